package dev.octosts.keys;

import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Loads RSA private keys from PEM text: PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, what GitHub hands out
 * for an App) and PKCS#8 ({@code BEGIN PRIVATE KEY}). Error messages are one sentence and never
 * contain key material.
 */
public final class PemKeys {
    /** A PEM private key is a few KiB; anything far larger is not one. */
    private static final long MAX_PEM_BYTES = 64 * 1024;
    private static final int MIN_RSA_BITS = 2048;

    private PemKeys() {
    }

    public static SigningKey fromFile(Path path) {
        String where = "PEM file " + path;
        try {
            if (Files.size(path) > MAX_PEM_BYTES) {
                throw new IllegalArgumentException(where + " is larger than " + MAX_PEM_BYTES + " bytes, so it is not a private key");
            }
            return fromPem(Files.readString(path, StandardCharsets.UTF_8), where);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + where + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * @param description where the PEM came from, e.g. {@code PEM file /x/app.pem}; the key's type and
     *                    size are appended
     */
    public static SigningKey fromPem(String pem, String description) {
        if (pem == null || pem.isBlank()) {
            throw new IllegalArgumentException(description + " is empty, expected an RSA private key in PEM form");
        }
        if (pem.length() > MAX_PEM_BYTES) {
            throw new IllegalArgumentException(description + " is too large to be a PEM private key");
        }
        PrivateKey privateKey = readPrivateKey(pem, description);
        if (!(privateKey instanceof RSAPrivateCrtKey rsa)) {
            throw new IllegalArgumentException(description + " holds an RSA key without CRT parameters, which is not supported");
        }
        int bits = rsa.getModulus().bitLength();
        if (bits < MIN_RSA_BITS) {
            throw new IllegalArgumentException(description + " holds an RSA key of " + bits
                    + " bits, but at least " + MIN_RSA_BITS + " bits are required");
        }
        return new PemSigningKey(description + " (RSA " + bits + ")", rsaPublicKey(rsa), new RSASSASigner(rsa));
    }

    private static PrivateKey readPrivateKey(String pem, String description) {
        Object keyObject = null;
        String found = null;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object;
            while (keyObject == null && (object = parser.readObject()) != null) {
                switch (object) {
                    case PEMKeyPair pair -> keyObject = pair;
                    case PrivateKeyInfo info -> keyObject = info;
                    case PEMEncryptedKeyPair pair -> keyObject = pair;
                    case PKCS8EncryptedPrivateKeyInfo info -> keyObject = info;
                    case X509CertificateHolder ignored -> found = "a certificate";
                    case SubjectPublicKeyInfo ignored -> found = "a public key";
                    default -> found = "a PEM object of another kind";
                }
            }
        } catch (IOException | RuntimeException e) {
            // Parser messages can quote the input, so only the exception type is reported.
            throw unreadable(description, e);
        }
        PrivateKeyInfo info = switch (keyObject) {
            case PEMKeyPair pair -> pair.getPrivateKeyInfo();
            case PrivateKeyInfo plain -> plain;
            case PEMEncryptedKeyPair ignored -> throw encrypted(description);
            case PKCS8EncryptedPrivateKeyInfo ignored -> throw encrypted(description);
            case null -> throw new IllegalArgumentException(description + (found == null
                    ? " contains no PEM private key"
                    : " contains " + found + " but no private key"));
            default -> throw new IllegalStateException("unexpected PEM object");
        };
        if (info == null) {
            throw new IllegalArgumentException(description + " is not a readable PEM private key");
        }
        ASN1ObjectIdentifier algorithm = info.getPrivateKeyAlgorithm().getAlgorithm();
        if (!PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            throw new IllegalArgumentException(description + " holds a private key of type " + algorithmName(algorithm)
                    + ", but only RSA private keys are supported");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (org.bouncycastle.openssl.PEMException e) {
            throw unreadable(description, e);
        }
    }

    private static String algorithmName(ASN1ObjectIdentifier algorithm) {
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            return "EC";
        }
        if (EdECObjectIdentifiers.id_Ed25519.equals(algorithm)) {
            return "Ed25519";
        }
        return "non-RSA (OID " + algorithm.getId() + ")";
    }

    private static IllegalArgumentException unreadable(String description, Exception e) {
        return new IllegalArgumentException(description + " is not a readable PEM private key ("
                + e.getClass().getSimpleName() + ")");
    }

    private static IllegalArgumentException encrypted(String description) {
        return new IllegalArgumentException(description
                + " holds an encrypted private key, which is not supported: decrypt it or use a PKCS#11 token");
    }

    private static PublicKey rsaPublicKey(RSAPrivateCrtKey key) {
        try {
            return KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot build an RSA public key", e);
        }
    }

    /** Its toString names the key, never its parts. */
    private record PemSigningKey(String description, PublicKey publicKey, JWSSigner jwsSigner) implements SigningKey {
        @Override
        public String toString() {
            return description;
        }
    }
}
