package dev.octosts.telemetry;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import dev.octosts.keys.SigningKey;

import java.security.PublicKey;
import java.util.Map;
import java.util.Set;

/**
 * A signing key whose every signature is a {@code keys.sign} span and a sample of
 * {@code octosts.signing.duration} — for an HSM, the only time it is on the request path.
 *
 * @param name which key this is, e.g. {@link Telemetry#GITHUB_APP_KEY} or {@link Telemetry#LEDGER_KEY}
 */
public record TracedSigningKey(SigningKey key, String name, Telemetry telemetry) implements SigningKey {

    @Override
    public String description() {
        return key.description();
    }

    @Override
    public PublicKey publicKey() {
        return key.publicKey();
    }

    @Override
    public JWSSigner jwsSigner() {
        return new TracedSigner(key.jwsSigner());
    }

    @Override
    public boolean extractable() {
        return key.extractable();
    }

    @Override
    public String toString() {
        return key.toString();
    }

    private final class TracedSigner implements JWSSigner {
        private final JWSSigner delegate;

        TracedSigner(JWSSigner delegate) {
            this.delegate = delegate;
        }

        @Override
        public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
            long start = System.nanoTime();
            boolean failed = true;
            try {
                Base64URL signature = telemetry.inSpan("keys.sign", Map.of("octosts.key", name,
                        "octosts.key.algorithm", header.getAlgorithm().getName()), () -> {
                    try {
                        return delegate.sign(header, signingInput);
                    } catch (JOSEException e) {
                        throw new SigningFailed(e);
                    }
                });
                failed = false;
                return signature;
            } catch (SigningFailed e) {
                throw e.cause;
            } finally {
                telemetry.signed(name, System.nanoTime() - start, failed);
            }
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return delegate.supportedJWSAlgorithms();
        }

        @Override
        public JCAContext getJCAContext() {
            return delegate.getJCAContext();
        }
    }

    /** Carries a checked signing failure through the span's body. */
    private static final class SigningFailed extends RuntimeException {
        private final JOSEException cause;

        SigningFailed(JOSEException cause) {
            super(cause.getMessage(), cause, false, false);
            this.cause = cause;
        }
    }
}
