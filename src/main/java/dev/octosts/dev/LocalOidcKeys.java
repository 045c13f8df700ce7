package dev.octosts.dev;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The local OpenID provider's key material: the rotating default RS256 key ({@code local-1}, {@code local-2},
 * …), one published key per other algorithm, keys of each type that are never published, and the HMAC
 * secret; and the signer for each. Thread-safe.
 */
final class LocalOidcKeys {
    private static final List<JWSAlgorithm> EXTRA_ALGORITHMS = List.of(
            JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.ES384);

    private final Map<JWSAlgorithm, JWK> algorithmKeys = new LinkedHashMap<>();
    private final Map<String, JWK> unpublishedKeys = new ConcurrentHashMap<>();
    private final byte[] hmacSecret = new byte[64];
    private volatile RSAKey defaultKey;
    private int keyGeneration = 1;

    LocalOidcKeys() {
        new SecureRandom().nextBytes(hmacSecret);
        this.defaultKey = (RSAKey) generate(JWSAlgorithm.RS256, "local-1");
        for (JWSAlgorithm alg : EXTRA_ALGORITHMS) {
            algorithmKeys.put(alg, generate(alg, "local-" + alg.getName().toLowerCase(Locale.ROOT)));
        }
    }

    /** The JWKS of every current public key. */
    String publicJwksJson() {
        List<JWK> keys = new ArrayList<>();
        keys.add(defaultKey);
        keys.addAll(algorithmKeys.values());
        return new JWKSet(keys).toPublicJWKSet().toString();
    }

    String defaultKeyId() {
        return defaultKey.getKeyID();
    }

    /** Replaces the default key with a new RSA key and kid; the old key leaves the JWKS. */
    synchronized void rotate() {
        keyGeneration++;
        defaultKey = (RSAKey) generate(JWSAlgorithm.RS256, "local-" + keyGeneration);
    }

    /** The private key for the algorithm (an unpublished one if asked), or null for HMAC. */
    JWK signingKey(JWSAlgorithm algorithm, boolean unpublished) {
        if (JWSAlgorithm.Family.HMAC_SHA.contains(algorithm)) {
            return null;
        }
        if (unpublished) {
            return unpublishedKeys.computeIfAbsent(algorithm.getName(),
                    name -> generate(algorithm, "unpublished-" + name.toLowerCase(Locale.ROOT)));
        }
        if (algorithm.equals(JWSAlgorithm.RS256)) {
            return defaultKey;
        }
        JWK key = algorithmKeys.get(algorithm);
        if (key == null) {
            throw new IllegalArgumentException("no key for algorithm " + algorithm);
        }
        return key;
    }

    /** The signer of {@code key}; null means the HMAC secret. */
    JWSSigner signer(JWK key) throws JOSEException {
        if (key == null) {
            return new MACSigner(hmacSecret);
        }
        return key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key);
    }

    private static JWK generate(JWSAlgorithm alg, String kid) {
        try {
            if (JWSAlgorithm.Family.EC.contains(alg)) {
                Curve curve = alg.equals(JWSAlgorithm.ES256) ? Curve.P_256 : Curve.P_384;
                return new ECKeyGenerator(curve).keyID(kid).algorithm(alg).keyUse(KeyUse.SIGNATURE).generate();
            }
            if (JWSAlgorithm.Family.RSA.contains(alg)) {
                return new RSAKeyGenerator(2048).keyID(kid).algorithm(alg).keyUse(KeyUse.SIGNATURE).generate();
            }
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a key for " + alg, e);
        }
        throw new IllegalArgumentException("no key type for algorithm " + alg);
    }
}
