package dev.octosts.github;

import dev.octosts.telemetry.Telemetry;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Trust-policy files, {@code .github/chainguard/<identity>.sts.yaml}, read through an App pool with
 * Octo STS's caches (README rule 22): raw YAML 5 min (primary) and 1 h (stale), a 404 remembered
 * for 5 min. A read that GitHub rate-limits (lenient: 403 or 429) is answered from the stale copy,
 * which also re-seeds the primary cache; without one it is retried on up to {@code min(3, apps-1)}
 * other Apps of the pool, starting round-robin so the load spreads.
 */
public final class PolicyFiles {
    static final Duration PRIMARY_TTL = Duration.ofMinutes(5);
    static final Duration STALE_TTL = Duration.ofHours(1);
    static final Duration MISSING_TTL = Duration.ofMinutes(5);
    static final int MAX_ENTRIES = 10_000;
    static final int MAX_RETRIES = 3;

    private record Key(String owner, String repo, String identity) {
    }

    private record Policy(String yaml, String blobSha) {
    }

    private final GitHubClient client;
    private final ExpiringCache<Key, Policy> primary;
    private final ExpiringCache<Key, Policy> stale;
    private final ExpiringCache<Key, Boolean> missing;
    private final AtomicInteger nextStart = new AtomicInteger();
    private final Telemetry telemetry;

    public PolicyFiles(GitHubClient client, Clock clock) {
        this(client, clock, Telemetry.off());
    }

    public PolicyFiles(GitHubClient client, Clock clock, Telemetry telemetry) {
        this.client = client;
        this.telemetry = telemetry;
        this.primary = new ExpiringCache<>(clock, PRIMARY_TTL, MAX_ENTRIES);
        this.stale = new ExpiringCache<>(clock, STALE_TTL, MAX_ENTRIES);
        this.missing = new ExpiringCache<>(clock, MISSING_TTL, MAX_ENTRIES);
    }

    public static String policyPath(String identity) {
        return ".github/chainguard/" + identity + ".sts.yaml";
    }

    /** A remembered 404: the caller answers NotFound before any GitHub call. */
    public boolean knownMissing(String owner, String repo, String identity) {
        return missing.get(new Key(owner, repo, identity)) != null;
    }

    public PolicyRead read(AppPool pool, String owner, String repo, String identity) {
        Key key = new Key(owner, repo, identity);
        Policy cached = primary.get(key);
        if (cached != null) {
            telemetry.policyCache("hit");
            return new PolicyRead.Found(cached.yaml(), cached.blobSha(), false);
        }
        if (missing.get(key) != null) {
            telemetry.policyCache("hit");
            return new PolicyRead.Missing();
        }
        telemetry.policyCache("miss");
        List<GitHubApp> apps = pool.apps();
        int maxTries = 1 + Math.min(MAX_RETRIES, apps.size() - 1);
        int start = Math.floorMod(nextStart.getAndIncrement(), apps.size());
        int rateLimitedTries = 0;
        // Apps not installed on the owner are skipped without using up a try.
        for (int i = 0; i < apps.size() && rateLimitedTries < maxTries; i++) {
            GitHubApp app = apps.get((start + i) % apps.size());
            GitHubError error;
            switch (client.findInstallation(app, owner)) {
                case InstallationResult.NotInstalled ignored -> {
                    continue;
                }
                case InstallationResult.Failed(GitHubError e) -> error = e;
                case InstallationResult.Found(long installationId) -> {
                    FileResult file = client.readFile(app, installationId, owner, repo, policyPath(identity));
                    switch (file) {
                        case FileResult.Found(String text, String sha) -> {
                            Policy policy = new Policy(text, sha);
                            primary.put(key, policy);
                            stale.put(key, policy);
                            return new PolicyRead.Found(text, sha, false);
                        }
                        case FileResult.Missing ignored -> {
                            missing.put(key, Boolean.TRUE);
                            primary.remove(key);
                            stale.remove(key);
                            return new PolicyRead.Missing();
                        }
                        case FileResult.Failed(GitHubError e) -> error = e;
                    }
                }
            }
            if (!error.rateLimitedLenient()) {
                return new PolicyRead.Failed(error);
            }
            Policy old = stale.get(key);
            if (old != null) {
                primary.put(key, old);
                return new PolicyRead.Found(old.yaml(), old.blobSha(), true);
            }
            rateLimitedTries++;
        }
        return rateLimitedTries > 0 ? new PolicyRead.RateLimited() : new PolicyRead.NotInstalled();
    }
}
