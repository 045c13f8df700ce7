package dev.octosts.ledger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The ledger's public key as it is published ({@code octo-sts audit public-key}) and read back by a
 * verifier: PEM ({@code BEGIN PUBLIC KEY}) or a JWK, RSA or EC P-256. The JWS algorithm follows from
 * the key type, so an HSM's EC key signs checkpoints without any setting.
 */
public final class CheckpointPublicKeys {
    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----");
    private static final int MAX_TEXT = 64 * 1024;

    private CheckpointPublicKeys() {
    }

    /** RS256 for RSA keys, ES256 for EC P-256 keys; any other key cannot sign checkpoints. */
    public static JWSAlgorithm algorithm(PublicKey key) {
        return switch (key) {
            case RSAPublicKey ignored -> JWSAlgorithm.RS256;
            case ECPublicKey ec when Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams())) -> JWSAlgorithm.ES256;
            default -> throw new IllegalArgumentException("a " + key.getAlgorithm()
                    + " key cannot sign ledger checkpoints: use an RSA or EC P-256 key");
        };
    }

    /** The public JWK, with {@code kid} = RFC 7638 thumbprint, {@code alg} and {@code use=sig}. */
    public static JWK jwk(PublicKey key) {
        JWSAlgorithm algorithm = algorithm(key);
        JWK bare = bareJwk(key);
        String keyId = thumbprint(bare);
        return switch (bare) {
            case RSAKey rsa -> new RSAKey.Builder(rsa).keyID(keyId).algorithm(algorithm).keyUse(KeyUse.SIGNATURE).build();
            case ECKey ec -> new ECKey.Builder(ec).keyID(keyId).algorithm(algorithm).keyUse(KeyUse.SIGNATURE).build();
            default -> throw new IllegalStateException("unexpected JWK type");
        };
    }

    /** Base64url SHA-256 JWK thumbprint (RFC 7638) of the key: the checkpoints' {@code key_id}. */
    public static String keyId(PublicKey key) {
        algorithm(key);
        return thumbprint(bareJwk(key));
    }

    /** The key as a {@code BEGIN PUBLIC KEY} PEM block (X.509 SubjectPublicKeyInfo), ending in a newline. */
    public static String pem(PublicKey key) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    /**
     * Reads a public key from what {@code audit public-key} prints: a PEM block (other lines, such as
     * the key id, are ignored) or a JWK object.
     *
     * @param description where the text came from, for error messages
     */
    public static PublicKey parse(String text, String description) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(description + " is empty, expected a public key (PEM or JWK)");
        }
        if (text.length() > MAX_TEXT) {
            throw new IllegalArgumentException(description + " is too large to be a public key");
        }
        PublicKey key = text.strip().startsWith("{") ? fromJwk(text, description) : fromPem(text, description);
        try {
            algorithm(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(description + ": " + e.getMessage());
        }
        return key;
    }

    /** A verifier for checkpoint signatures made with the private half of {@code key}. */
    static JWSVerifier verifier(PublicKey key) {
        try {
            return switch (key) {
                case RSAPublicKey rsa -> new RSASSAVerifier(rsa);
                case ECPublicKey ec -> new ECDSAVerifier(ec);
                default -> throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
            };
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable public key: " + e.getMessage());
        }
    }

    private static JWK bareJwk(PublicKey key) {
        return switch (key) {
            case RSAPublicKey rsa -> new RSAKey.Builder(rsa).build();
            case ECPublicKey ec -> new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).build();
            default -> throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
        };
    }

    private static String thumbprint(JWK jwk) {
        try {
            return jwk.computeThumbprint("SHA-256").toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static PublicKey fromPem(String text, String description) {
        Matcher block = PEM_BLOCK.matcher(text);
        if (!block.find()) {
            throw new IllegalArgumentException(description + " contains no PEM public key (BEGIN PUBLIC KEY)");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(block.group(1));
            return new JcaPEMKeyConverter().getPublicKey(SubjectPublicKeyInfo.getInstance(der));
        } catch (org.bouncycastle.openssl.PEMException | RuntimeException e) {
            throw new IllegalArgumentException(description + " is not a readable PEM public key ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static PublicKey fromJwk(String text, String description) {
        try {
            return switch (JWK.parse(text)) {
                case RSAKey rsa -> rsa.toRSAPublicKey();
                case ECKey ec -> ec.toECPublicKey();
                default -> throw new IllegalArgumentException(description + " holds a JWK that is neither RSA nor EC");
            };
        } catch (ParseException | JOSEException e) {
            throw new IllegalArgumentException(description + " is not a readable JWK (" + e.getClass().getSimpleName() + ")");
        }
    }
}
