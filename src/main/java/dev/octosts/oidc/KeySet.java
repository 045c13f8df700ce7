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
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * An issuer's usable verification keys as last loaded (or the reason loading failed), with the keys that
 * were dropped counted by reason, the time of the load attempt (for the unknown-kid refresh rate limit) and
 * when the entry expires.
 *
 * <p>Anyone can publish a key set, so what one token can cost is bounded here, once, when the set is read
 * (each rule drops the key it breaks, never the whole set):
 * <ul>
 *   <li>only signing keys: {@code use} absent or {@code sig}, so an HMAC secret or an encryption key in a
 *       JWKS never verifies anything ({@link Drop#NOT_FOR_SIGNING}, {@link Drop#UNSUPPORTED_KEY_TYPE});</li>
 *   <li>RSA: modulus of {@value #MIN_RSA_MODULUS_BITS} to {@value #MAX_RSA_MODULUS_BITS} bits, public
 *       exponent odd, from 3 to 2³²−1 ({@link Drop#RSA_MODULUS_SIZE}, {@link Drop#RSA_EXPONENT}). A verification costs
 *       about as many modular multiplications as the exponent has bits: with a 3,070-bit exponent one check of
 *       an RSA-3072 key took some 11 ms, with 65537 it takes well under one;</li>
 *   <li>EC: P-256 and P-384 only, the curves of ES256 and ES384 ({@link Drop#UNSUPPORTED_CURVE}); P-521 and
 *       secp256k1 keys are dropped since ES512 and ES256K are never accepted;</li>
 *   <li>an {@code alg} the key's type cannot serve among the accepted ones ({@link Drop#UNSUPPORTED_KEY_ALGORITHM});</li>
 *   <li>at most {@value #MAX_KEYS_PER_KID} keys per {@code kid}, the first in document order
 *       ({@link Drop#KID_LIMIT}), so one token is checked against at most that many keys;</li>
 *   <li>at most {@value #MAX_USABLE_KEYS} usable keys, the first in document order ({@link Drop#KEY_LIMIT}).</li>
 * </ul>
 * A token without {@code kid} is checked only against a set of exactly one key (see {@link #candidates}).
 */
record KeySet(JwksSource source, List<Key> keys, Map<String, Integer> dropped, String failure, Instant attemptedAt,
              Instant expiresAt) {
    static final int MAX_USABLE_KEYS = 100;
    static final int MAX_KEYS_PER_KID = 4;
    static final int MIN_RSA_MODULUS_BITS = 2048;
    static final int MAX_RSA_MODULUS_BITS = 4096;
    /** Exponents up to 2³²−1: the largest any real key uses is 65537, and Go's crypto/rsa stops at 2³¹−1. */
    static final int MAX_RSA_EXPONENT_BITS = 32;

    /** Why a key is dropped; {@link #label()} is how it is counted in {@link #dropped()} and details. */
    enum Drop {
        NOT_FOR_SIGNING, UNSUPPORTED_KEY_TYPE, UNSUPPORTED_CURVE, UNSUPPORTED_KEY_ALGORITHM, RSA_MODULUS_SIZE,
        RSA_EXPONENT, INVALID_KEY, KID_LIMIT, KEY_LIMIT;

        /** E.g. {@code rsa_exponent}. */
        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A verifier with its public key: a 4,096-bit modulus is 512 bytes, the objects around it some hundreds more. */
    private static final int HEAP_BYTES_PER_KEY = 2_048;

    private static final Set<String> RSA_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256");

    KeySet {
        keys = List.copyOf(keys);
        dropped = Collections.unmodifiableMap(new TreeMap<>(dropped));
    }

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

    /** The usable keys of a document and how many were dropped, by reason. */
    record Parsed(List<Key> keys, Map<String, Integer> dropped) {
    }

    static KeySet loaded(JwksSource source, Parsed parsed, Instant at, Instant expiresAt) {
        return new KeySet(source, parsed.keys(), parsed.dropped(), null, at, expiresAt);
    }

    static KeySet failed(JwksSource source, String failure, Instant at, Instant expiresAt) {
        return new KeySet(source, List.of(), Map.of(), failure, at, expiresAt);
    }

    /** The same keys, marked as (re)loaded at {@code at}: a failed refresh keeps them without retrying at once. */
    KeySet attemptedAt(Instant at) {
        return new KeySet(source, keys, dropped, failure, at, expiresAt);
    }

    boolean isFailed() {
        return failure != null;
    }

    /**
     * Keys for {@code alg} under the token's {@code kid}, at most {@value #MAX_KEYS_PER_KID}; without a kid,
     * the only key of a one-key set (the caller refuses a kid-less token for a larger set).
     */
    List<Key> candidates(String alg, String kid) {
        if (kid == null && keys.size() != 1) {
            return List.of();
        }
        return keys.stream()
                .filter(k -> kid == null || kid.equals(k.keyId()))
                .filter(k -> k.supports(alg))
                .toList();
    }

    /**
     * An upper estimate of the heap this key set holds, in bytes, for weighing the cache: each key's
     * verifier (an RSA modulus of up to 4,096 bits and its objects) and strings, counted at 2 bytes a char.
     */
    int estimatedHeapBytes() {
        long bytes = 512 + 2L * source.toString().length() + (failure == null ? 0 : 2L * failure.length())
                + 64L * dropped.size();
        for (Key key : keys) {
            bytes += HEAP_BYTES_PER_KEY + (key.keyId() == null ? 0 : 2L * key.keyId().length());
        }
        return (int) Math.min(bytes, Integer.MAX_VALUE);
    }

    /** E.g. {@code "88 rsa_exponent, 2 not_for_signing"}; empty when nothing was dropped. */
    String droppedSummary() {
        return dropped.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    }

    /**
     * The usable keys of a JWKS document.
     *
     * @throws ParseException if the document is not a JWKS
     */
    static Parsed parse(byte[] document) throws ParseException {
        JWKSet set = JWKSet.parse(new String(document, StandardCharsets.UTF_8));
        List<Key> keys = new ArrayList<>();
        Map<String, Integer> dropped = new HashMap<>();
        Map<String, Integer> perKid = new HashMap<>();
        for (JWK jwk : set.getKeys()) {
            Drop problem = problem(jwk);
            Key key = null;
            if (problem == null) {
                try {
                    key = key(jwk);
                } catch (JOSEException e) {
                    problem = Drop.INVALID_KEY;
                }
            }
            if (problem == null && key.algorithm() != null && !key.supports(key.algorithm())) {
                problem = Drop.UNSUPPORTED_KEY_ALGORITHM;
            }
            if (problem == null && perKid.merge(Objects.toString(key.keyId(), ""), 1, Integer::sum) > MAX_KEYS_PER_KID) {
                problem = Drop.KID_LIMIT;
            }
            if (problem == null && keys.size() >= MAX_USABLE_KEYS) {
                problem = Drop.KEY_LIMIT;
            }
            if (problem == null) {
                keys.add(key);
            } else {
                dropped.merge(problem.label(), 1, Integer::sum);
            }
        }
        return new Parsed(keys, dropped);
    }

    /** Why the key cannot be used, checked on its parameters before any key object is built; null if none. */
    private static Drop problem(JWK jwk) {
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
            return Drop.NOT_FOR_SIGNING;
        }
        return switch (jwk) {
            case RSAKey rsa -> {
                int modulusBits = rsa.getModulus().decodeToBigInteger().bitLength();
                BigInteger exponent = rsa.getPublicExponent().decodeToBigInteger();
                if (modulusBits < MIN_RSA_MODULUS_BITS || modulusBits > MAX_RSA_MODULUS_BITS) {
                    yield Drop.RSA_MODULUS_SIZE;
                }
                yield exponent.testBit(0) && exponent.bitLength() > 1 && exponent.bitLength() <= MAX_RSA_EXPONENT_BITS
                        ? null : Drop.RSA_EXPONENT;
            }
            case ECKey ec -> Curve.P_256.equals(ec.getCurve()) || Curve.P_384.equals(ec.getCurve())
                    ? null : Drop.UNSUPPORTED_CURVE;
            default -> Drop.UNSUPPORTED_KEY_TYPE;
        };
    }

    private static Key key(JWK jwk) throws JOSEException {
        String alg = jwk.getAlgorithm() == null ? null : jwk.getAlgorithm().getName();
        return switch (jwk) {
            case RSAKey rsa -> new Key(jwk.getKeyID(), alg, "RSA", new RSASSAVerifier(rsa.toRSAPublicKey()));
            case ECKey ec -> new Key(jwk.getKeyID(), alg, ec.getCurve().getName(), new ECDSAVerifier(ec.toECPublicKey()));
            default -> throw new IllegalStateException("refused by problem(): " + jwk.getKeyType());
        };
    }
}
