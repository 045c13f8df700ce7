package dev.octosts.dev;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * GitHub's checks of an App JWT: RS256 by the App's key, {@code iss} = App ID, a sane iat/exp window. The
 * signature of a JWT is checked once and remembered (the service sends the same JWT for minutes, and the
 * simulator shares its machine with the service in the benchmark); the time window is checked on every use.
 */
final class GitHubSimJwtCheck {
    static final Duration MAX_LIFETIME = Duration.ofMinutes(10);
    static final Duration ALLOWED_DRIFT = Duration.ofSeconds(60);
    private static final int REMEMBERED = 1_024;

    /** The App ID of a good JWT, or the message GitHub would answer with 401. */
    sealed interface Outcome {
        record Valid(long appId) implements Outcome {
        }

        record Invalid(String message) implements Outcome {
        }
    }

    /** A JWT whose signature verified: who signed it and its time claims (null when absent). */
    private record Signed(long appId, Instant issuedAt, Instant expiresAt) {
    }

    private final LongFunction<PublicKey> appKeys;
    private final Map<String, Signed> verified = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Signed> eldest) {
            return size() > REMEMBERED;
        }
    };

    GitHubSimJwtCheck(LongFunction<PublicKey> appKeys) {
        this.appKeys = appKeys;
    }

    Outcome check(String jwt, Instant now) {
        Signed signed;
        synchronized (verified) {
            signed = verified.get(jwt);
        }
        if (signed == null) {
            try {
                signed = verifySignature(jwt);
            } catch (Refused refused) {
                return invalid(refused.getMessage());
            }
            synchronized (verified) {
                verified.put(jwt, signed);
            }
        }
        return checkTimes(signed, now);
    }

    /** Why GitHub refuses a JWT, in its words. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private Signed verifySignature(String jwt) throws Refused {
        SignedJWT signed;
        Map<String, Object> claims;
        try {
            signed = SignedJWT.parse(jwt);
            // The raw payload: Nimbus's claims set refuses a numeric "iss", which GitHub accepts.
            claims = signed.getPayload().toJSONObject();
        } catch (ParseException e) {
            throw new Refused("A JSON web token could not be decoded");
        }
        if (claims == null) {
            throw new Refused("A JSON web token could not be decoded");
        }
        if (!JWSAlgorithm.RS256.equals(signed.getHeader().getAlgorithm())) {
            throw new Refused("A JSON web token could not be decoded");
        }
        Long appId = appIdOf(claims.get("iss"));
        if (appId == null) {
            throw new Refused("'Issuer' claim ('iss') must be an Integer");
        }
        PublicKey key = appKeys.apply(appId);
        if (!(key instanceof RSAPublicKey rsaKey)) {
            throw new Refused("Integration not found");
        }
        try {
            if (!signed.verify(new RSASSAVerifier(rsaKey))) {
                throw new Refused("A JSON web token could not be decoded");
            }
        } catch (JOSEException e) {
            throw new Refused("A JSON web token could not be decoded");
        }
        return new Signed(appId, instantOf(claims, "iat"), instantOf(claims, "exp"));
    }

    private static Outcome checkTimes(Signed signed, Instant now) {
        Instant issuedAt = signed.issuedAt();
        Instant expiresAt = signed.expiresAt();
        if (issuedAt == null || issuedAt.isAfter(now.plus(ALLOWED_DRIFT))) {
            return invalid("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
        }
        if (expiresAt == null || !expiresAt.isAfter(now)) {
            return invalid("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
        }
        if (Duration.between(issuedAt, expiresAt).compareTo(MAX_LIFETIME) > 0
                || expiresAt.isAfter(now.plus(MAX_LIFETIME).plus(ALLOWED_DRIFT))) {
            return invalid("'Expiration time' claim ('exp') is too far in the future");
        }
        return new Outcome.Valid(signed.appId());
    }

    private static Outcome.Invalid invalid(String message) {
        return new Outcome.Invalid(message);
    }

    private static Long appIdOf(Object iss) {
        if (iss instanceof Number number && number.doubleValue() == number.longValue()) {
            return number.longValue();
        }
        if (iss instanceof String text) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** A NumericDate claim (seconds since the epoch), or null when absent or not a number. */
    private static Instant instantOf(Map<String, Object> claims, String name) {
        return claims.get(name) instanceof Number seconds ? Instant.ofEpochSecond(seconds.longValue()) : null;
    }
}
