package dev.octosts.github;

import com.nimbusds.jose.JOSEException;
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
 * {@code exp} 9 minutes ahead (GitHub allows at most 10), {@code iss} = App ID. One JWT is reused until
 * a minute before it expires, so an App signs about once every 8 minutes, not once per request.
 */
public final class AppJwts {
    static final Duration BACKDATE = Duration.ofSeconds(60);
    static final Duration LIFETIME = Duration.ofMinutes(9);
    static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(1);

    private record Signed(String jwt, Instant renewAt) {
    }

    private final GitHubApp app;
    private final Clock clock;
    private Signed current;

    public AppJwts(GitHubApp app, Clock clock) {
        this.app = app;
        this.clock = clock;
    }

    public synchronized String current() {
        Instant now = clock.instant();
        if (current == null || !now.isBefore(current.renewAt())) {
            current = sign(now);
        }
        return current.jwt();
    }

    private Signed sign(Instant now) {
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
        return new Signed(jwt.serialize(), expiresAt.minus(RENEW_BEFORE_EXPIRY));
    }
}
