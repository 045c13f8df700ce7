package dev.octosts.webhook;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.octosts.github.AppPool;
import dev.octosts.github.AppRouter;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.GitHubError;
import dev.octosts.github.InstallationAccess;
import dev.octosts.github.InstallationRouter;
import dev.octosts.github.MintResult;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The webhook's installation tokens: minted for the payload's installation with only what validation needs
 * ({@link #PERMISSIONS}), and cached per installation id (at most {@link #MAX_INSTALLATIONS}) until
 * {@link #RENEW_BEFORE_EXPIRY} before they expire, so a repeated event mints once (README rule 48).
 *
 * <p>The App is chosen from the pool of the repository owner ({@link AppRouter}): the App of that pool whose
 * installation on the owner has the payload's installation id ({@link InstallationRouter#withId}). A delivery about an installation none of the
 * owner's Apps has is refused, so a webhook secret alone never makes the service act through another App.
 */
final class InstallationTokens {
    static final int MAX_INSTALLATIONS = 200;
    static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(5);
    static final Map<String, String> PERMISSIONS = Map.of("checks", "write", "contents", "read", "pull_requests", "read");

    /** Why no token: a short reason for the log, never a credential. */
    sealed interface Outcome {
        record Granted(InstallationAccess access) implements Outcome {
        }

        record Refused(String reason) implements Outcome {
        }
    }

    private record Cached(String owner, InstallationAccess access) {
    }

    private final AppRouter router;
    private final InstallationRouter installations;
    private final GitHubClient github;
    private final Clock clock;
    private final Cache<Long, Cached> cache = Caffeine.newBuilder()
            .maximumSize(MAX_INSTALLATIONS)
            .executor(Runnable::run)
            .build();

    InstallationTokens(AppRouter router, GitHubClient github, Clock clock) {
        this.router = router;
        this.installations = new InstallationRouter(github);
        this.github = github;
        this.clock = clock;
    }

    Outcome access(String owner, long installationId) {
        Cached cached = cache.getIfPresent(installationId);
        if (cached != null && cached.owner().equalsIgnoreCase(owner)
                && clock.instant().plus(RENEW_BEFORE_EXPIRY).isBefore(cached.access().token().expiresAt())) {
            return new Outcome.Granted(cached.access());
        }
        Optional<AppPool> pool = router.poolFor(owner);
        if (pool.isEmpty()) {
            return new Outcome.Refused("no GitHub App configured for the owner");
        }
        return switch (installations.withId(pool.get(), owner, installationId)) {
            case InstallationRouter.Lookup.Found(InstallationRouter.Installation found) -> mint(owner, found.app(), installationId);
            case InstallationRouter.Lookup.Failed(GitHubError error) ->
                    new Outcome.Refused("installation lookup failed: " + describe(error));
            case InstallationRouter.Lookup.NotInstalled notInstalled -> new Outcome.Refused(
                    "installation " + installationId + " is not an installation of the owner's GitHub Apps");
        };
    }

    private Outcome mint(String owner, GitHubApp app, long installationId) {
        return switch (github.mintToken(app, installationId, null, PERMISSIONS)) {
            case MintResult.Failed(GitHubError error) -> new Outcome.Refused("token mint failed: " + describe(error));
            case MintResult.Minted(var token) -> {
                InstallationAccess access = new InstallationAccess(app, installationId, token);
                cache.put(installationId, new Cached(owner, access));
                yield new Outcome.Granted(access);
            }
        };
    }

    static String describe(GitHubError error) {
        return (error.status() == 0 ? "" : "HTTP " + error.status() + ": ") + error.message();
    }
}
