package dev.octosts.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A private key that lives on a PKCS#11 token: RSA (RS256) or EC P-256 (ES256). Signatures go through
 * the token's SunPKCS11 provider. A signature that fails because the token went away (invalid session
 * or object handle, token removed) is retried once on a fresh connection; latency and failures are
 * counted in the token's {@link SigningStats}.
 */
public final class Pkcs11SigningKey implements SigningKey {
    /** The Nimbus signer bound to one connection's private key. */
    private record Bound(long generation, JWSSigner signer) {
    }

    private final Pkcs11Token token;
    private final String alias;
    private final PublicKey publicKey;
    private final String description;
    private final boolean sensitive;
    private final boolean extractable;
    private final RetryingSigner signer = new RetryingSigner();
    private volatile Bound bound;

    Pkcs11SigningKey(Pkcs11Token token, String alias, Pkcs11Token.Connection connection) {
        this.token = token;
        this.alias = alias;
        this.publicKey = Pkcs11Token.certificate(connection, alias).getPublicKey();
        PrivateKey privateKey = privateKeyOrArgumentError(connection);
        String size = switch (publicKey) {
            case RSAPublicKey rsa when rsa.getModulus().bitLength() >= 2048 -> "RSA " + rsa.getModulus().bitLength();
            case RSAPublicKey rsa -> throw new IllegalArgumentException("the key with alias " + alias + " is RSA "
                    + rsa.getModulus().bitLength() + ", but at least 2048 bits are required");
            case ECPublicKey ec when ec.getParams().getCurve().getField().getFieldSize() == 256 -> "EC P-256";
            default -> throw new IllegalArgumentException("the key with alias " + alias + " is " + publicKey.getAlgorithm()
                    + ", but only RSA and EC P-256 keys are supported");
        };
        this.description = "PKCS#11 key " + alias + " on the " + token.description() + " (" + size + ")";
        // SunPKCS11 keys print their CKA_SENSITIVE and CKA_EXTRACTABLE attributes; there is no public getter.
        String attributes = privateKey.toString();
        this.sensitive = attributes.contains(", sensitive");
        this.extractable = privateKey.getEncoded() != null || !attributes.contains("unextractable");
        this.bound = bind(connection.generation(), privateKey, connection);
        checkPair(privateKey, connection);
    }

    private PrivateKey privateKeyOrArgumentError(Pkcs11Token.Connection connection) {
        try {
            return Pkcs11Token.privateKey(connection, alias);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** Refuses a certificate object whose public key does not belong to the private key. */
    private void checkPair(PrivateKey privateKey, Pkcs11Token.Connection connection) {
        String algorithm = publicKey instanceof RSAPublicKey ? "SHA256withRSA" : "SHA256withECDSA";
        byte[] probe = "octo-sts key pair check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signing = Signature.getInstance(algorithm, connection.provider());
            signing.initSign(privateKey);
            signing.update(probe);
            byte[] signature = signing.sign();
            Signature verifying = Signature.getInstance(algorithm);
            verifying.initVerify(publicKey);
            verifying.update(probe);
            if (!verifying.verify(signature)) {
                throw new IllegalArgumentException("the certificate of alias " + alias + " does not match its private key");
            }
        } catch (GeneralSecurityException | java.security.ProviderException e) {
            throw new IllegalArgumentException("cannot sign with the key with alias " + alias + ": " + Pkcs11Token.reason(e));
        }
    }

    private Bound bind(long generation, PrivateKey privateKey, Pkcs11Token.Connection connection) {
        JWSSigner nimbus = publicKey instanceof RSAPublicKey
                ? new RSASSASigner(privateKey)
                : ecdsaSigner(privateKey);
        nimbus.getJCAContext().setProvider(connection.provider());
        return new Bound(generation, nimbus);
    }

    private static JWSSigner ecdsaSigner(PrivateKey privateKey) {
        try {
            return new ECDSASigner(privateKey, Curve.P_256);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot use the EC key: " + e.getMessage());
        }
    }

    public String alias() {
        return alias;
    }

    /** CKA_SENSITIVE: the token never reveals the key in plain. */
    public boolean sensitive() {
        return sensitive;
    }

    @Override
    public boolean extractable() {
        return extractable;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public JWSSigner jwsSigner() {
        return signer;
    }

    public SigningStats stats() {
        return token.stats();
    }

    @Override
    public String toString() {
        return description;
    }

    private Bound boundToCurrentConnection() {
        Bound now = bound;
        Pkcs11Token.Connection connection = token.current();
        if (now.generation() == connection.generation()) {
            return now;
        }
        Bound fresh = bind(connection.generation(), Pkcs11Token.privateKey(connection, alias), connection);
        bound = fresh;
        return fresh;
    }

    /** Signs with the current connection; on a failure reconnects once and retries. */
    private final class RetryingSigner implements JWSSigner {
        @Override
        public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
            token.stats().started();
            try {
                return signOrRetry(header, signingInput);
            } catch (RuntimeException e) {
                throw new JOSEException("the PKCS#11 key " + alias + " cannot sign: " + Pkcs11Token.reason(e));
            } finally {
                token.stats().finished();
            }
        }

        private Base64URL signOrRetry(JWSHeader header, byte[] signingInput) throws JOSEException {
            long started = System.nanoTime();
            long generation = token.current().generation();
            String failure;
            try {
                Base64URL signature = boundToCurrentConnection().signer().sign(header, signingInput);
                token.stats().succeeded(System.nanoTime() - started);
                return signature;
            } catch (JOSEException | RuntimeException e) {
                token.stats().failed();
                failure = Pkcs11Token.reason(e);
            }
            try {
                token.reconnect(generation, failure);
                Base64URL signature = boundToCurrentConnection().signer().sign(header, signingInput);
                token.stats().succeeded(System.nanoTime() - started);
                return signature;
            } catch (JOSEException | RuntimeException e) {
                token.stats().failed();
                throw new JOSEException("the PKCS#11 key " + alias + " cannot sign: " + Pkcs11Token.reason(e));
            }
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return bound.signer().supportedJWSAlgorithms();
        }

        @Override
        public JCAContext getJCAContext() {
            return bound.signer().getJCAContext();
        }
    }
}
