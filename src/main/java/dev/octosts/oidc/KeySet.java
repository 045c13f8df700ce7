package dev.octosts.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An issuer's usable verification keys as last loaded (or the reason loading failed), with the time of
 * the load attempt (for the unknown-kid refresh rate limit) and when the entry expires. Only RSA keys and
 * EC keys on P-256/P-384 become verifiers; symmetric, OKP and other keys, and keys whose {@code use} is not
 * {@code sig}, are skipped, so an HMAC secret in a JWKS can never verify anything.
 */
record KeySet(JwksSource source, List<Key> keys, String failure, Instant attemptedAt, Instant expiresAt) {
    private static final Set<String> RSA_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256");

    /** One public key with its ready-made Nimbus verifier (thread-safe, built once per key-set load). */
    record Key(String keyId, String algorithm, String family, JWSVerifier verifier) {
        boolean supports(String alg) {
            if (algorithm != null && !algorithm.equals(alg)) {
                return false;
            }
            return switch (family) {
                case "RSA" -> RSA_ALGORITHMS.contains(alg);
                case "P-256" -> alg.equals("ES256");
                case "P-384" -> alg.equals("ES384");
                default -> false;
            };
        }

        boolean verifies(JWSObject jws) {
            try {
                return jws.verify(verifier);
            } catch (JOSEException | IllegalStateException e) {
                return false;
            }
        }
    }

    static KeySet loaded(JwksSource source, List<Key> keys, Instant at, Instant expiresAt) {
        return new KeySet(source, List.copyOf(keys), null, at, expiresAt);
    }

    static KeySet failed(JwksSource source, String failure, Instant at, Instant expiresAt) {
        return new KeySet(source, List.of(), failure, at, expiresAt);
    }

    boolean isFailed() {
        return failure != null;
    }

    /** Keys for {@code alg}, restricted to {@code kid} when the token names one. */
    List<Key> candidates(String alg, String kid) {
        return keys.stream()
                .filter(k -> kid == null || kid.equals(k.keyId()))
                .filter(k -> k.supports(alg))
                .toList();
    }

    /**
     * The usable keys of a JWKS document.
     *
     * @throws ParseException if the document is not a JWKS
     */
    static List<Key> parse(byte[] document) throws ParseException {
        JWKSet set = JWKSet.parse(new String(document, StandardCharsets.UTF_8));
        List<Key> keys = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
                continue;
            }
            String alg = jwk.getAlgorithm() == null ? null : jwk.getAlgorithm().getName();
            try {
                if (jwk instanceof RSAKey rsa) {
                    keys.add(new Key(jwk.getKeyID(), alg, "RSA", new RSASSAVerifier(rsa.toRSAPublicKey())));
                } else if (jwk instanceof ECKey ec && (Curve.P_256.equals(ec.getCurve())
                        || Curve.P_384.equals(ec.getCurve()))) {
                    keys.add(new Key(jwk.getKeyID(), alg, ec.getCurve().getName(), new ECDSAVerifier(ec.toECPublicKey())));
                }
            } catch (JOSEException e) {
                // A key Nimbus cannot turn into a public key is unusable; the others still are.
            }
        }
        return keys;
    }
}
