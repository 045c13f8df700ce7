package dev.octosts.github;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * An installation token response's {@code expires_at} read by {@link GitHubJson#timestamp}, and the
 * general RFC 3339 parser it avoids for GitHub's fixed {@code yyyy-MM-ddTHH:mm:ssZ} form, for comparison.
 */
@State(Scope.Benchmark)
public class TokenExpiryBenchmark {
    private String expiresAt = "2026-11-27T21:00:00Z";

    @Benchmark
    public Instant timestamp() {
        return GitHubJson.timestamp(expiresAt);
    }

    @Benchmark
    public Instant generalParser() {
        return OffsetDateTime.parse(expiresAt).toInstant();
    }
}
