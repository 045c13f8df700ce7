package dev.octosts.oidc;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A token whose signature and time claims were verified. The audience is NOT checked here: the trust
 * policy does that.
 *
 * @param issuer    the {@code iss} claim exactly as signed (Google's schemeless {@code accounts.google.com}
 *                  stays schemeless, as go-oidc reports it, so the policy refuses it as Octo STS does)
 * @param subject   the {@code sub} claim, {@code ""} when absent or null (Go's zero value)
 * @param audience  {@code aud} as a list whether the token had a string or an array; empty when absent;
 *                  a JSON null (or a null entry) becomes {@code ""} as in Go
 * @param claims    the whole payload as Jackson parsed it, types preserved: String, Boolean, Integer, Long,
 *                  BigInteger, Double, List, Map or null (unmodifiable at every level, in token order)
 * @param expiresAt the {@code exp} claim
 * @param keyId     the {@code kid} of the key that verified the signature, or null if that key had none
 * @param algorithm the JWS algorithm, e.g. {@code RS256}
 */
public record VerifiedToken(String issuer, String subject, List<String> audience, Map<String, Object> claims,
                            Instant expiresAt, String keyId, String algorithm) {
    public VerifiedToken {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(algorithm, "algorithm");
        audience = List.copyOf(audience);
        claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims));
    }
}
