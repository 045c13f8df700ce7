package dev.octosts.github;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A minted installation token.
 *
 * @param expiresAtRaw exactly GitHub's {@code expires_at} string, for callers that must echo it
 * @param repositories the names GitHub listed in the answer; empty when the token covers all repositories
 */
public record InstallationToken(String token, Instant expiresAt, String expiresAtRaw,
                                Map<String, String> permissions, List<String> repositories) {
    public InstallationToken {
        permissions = Map.copyOf(permissions);
        repositories = List.copyOf(repositories);
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "InstallationToken[expiresAt=" + expiresAtRaw + ", permissions=" + permissions
                + ", repositories=" + repositories + "]";
    }
}
