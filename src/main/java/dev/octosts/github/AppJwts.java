package dev.octosts.github;

import com.github.benmanes.caffeine.cache.Cache;
import com.nimbusds.jose.JOSEException;
import dev.octosts.cache.Caches;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * The JWT that authenticates as a GitHub App: RS256, {@code iat} 60 s in the past (clock drift),
 * {@code exp} 9 minutes ahead (GitHub allows at most 10), {@code iss} = App ID. Each App's JWT is kept until
 * a minute before it expires, so an App signs about once every 8 minutes, not once per request; concurrent
 * callers of one App wait for its one signature.
 */
public final class AppJwts {
    static final Duration BACKDATE = Duration.ofSeconds(60);
    static final Duration LIFETIME = Duration.ofMinutes(9);
    static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(1);
    /** Far more than any App pool's JWTs (about 600 characters each). */
    private static final long MAX_WEIGHT = 1024 * 1024;

    private final Clock clock;
    private final Cache<GitHubApp, String> signed;

    public AppJwts(Clock clock) {
        this.clock = clock;
        this.signed = Caches.expiring(clock, LIFETIME.minus(RENEW_BEFORE_EXPIRY), MAX_WEIGHT,
                (app, jwt) -> Caches.ENTRY_OVERHEAD + Caches.chars(jwt));
    }

    public String current(GitHubApp app) {
        return signed.get(app, this::sign);
    }

    private String sign(GitHubApp app) {
        Instant now = clock.instant();
        Instant expiresAt = now.plus(LIFETIME);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(Long.toString(app.appId()))
                .issueTime(Date.from(now.minus(BACKDATE)))
                .expirationTime(Date.from(expiresAt))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
        try {
            jwt.sign(app.key().jwsSigner());
        } catch (JOSEException e) {
            // The message names the algorithm or key problem, never key material.
            throw new IllegalStateException("cannot sign the JWT of GitHub App " + app.appId()
                    + " with " + app.key().description() + ": " + e.getMessage(), e);
        }
        return jwt.serialize();
    }
}
