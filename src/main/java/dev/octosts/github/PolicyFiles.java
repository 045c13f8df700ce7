package dev.octosts.github;

import dev.octosts.digest.Sha256;
import dev.octosts.cache.Caches;
import dev.octosts.cache.FreshStaleCache;
import dev.octosts.telemetry.Telemetry;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Trust-policy files, {@code .github/chainguard/<identity>.sts.yaml}, read through an App pool with
 * Octo STS's cache times (README rule 22): a file is fresh for 5 min and kept for 1 h, a 404 remembered
 * for 5 min ({@link FreshStaleCache}; concurrent reads of one file are one GitHub read). A read that
 * GitHub rate-limits (lenient: 403 or 429) is answered from the kept copy, which is also made fresh
 * again; without one it is retried on up to {@code min(3, apps-1)} other Apps of the pool, in their
 * round-robin turn ({@link InstallationRouter}) so the load spreads.
 *
 * <p>A file larger than a policy may be ({@code maxPolicyBytes} in UTF-8) is kept only as its digest and
 * answered as {@link PolicyRead.TooLarge}: anyone can put a file of up to GitHub's 1 MiB response in a
 * repository they own, and its text would otherwise sit in the cache. The cache is bounded by the bytes
 * it holds ({@link #MAX_WEIGHT}), keys included, since owner and repository come from the caller's scope.
 */
public final class PolicyFiles {
    static final Duration PRIMARY_TTL = Duration.ofMinutes(5);
    static final Duration STALE_TTL = Duration.ofHours(1);
    static final Duration MISSING_TTL = Duration.ofMinutes(5);
    /**
     * 10 MiB: some 6,000 typical policies (about 1.5 KiB each), or 80 at the 64 KiB limit, counted at 2
     * bytes a char; a remembered 404 weighs its key, about 200 bytes.
     */
    static final long MAX_WEIGHT = 10L << 20;
    static final int MAX_RETRIES = 3;

    private record Key(String owner, String repo, String identity) {
        int weight() {
            return Caches.ENTRY_OVERHEAD + Caches.chars(owner) + Caches.chars(repo) + Caches.chars(identity);
        }
    }

    private final GitHubClient client;
    private final InstallationRouter installations;
    private final Clock clock;
    private final int maxPolicyBytes;
    private final FreshStaleCache<Key, PolicyRead> files;
    private final Telemetry telemetry;

    /** @param maxPolicyBytes the largest policy file, in UTF-8 bytes, whose text is kept and returned */
    public PolicyFiles(GitHubClient client, Clock clock, int maxPolicyBytes) {
        this(client, clock, maxPolicyBytes, Telemetry.off());
    }

    public PolicyFiles(GitHubClient client, Clock clock, int maxPolicyBytes, Telemetry telemetry) {
        this.client = client;
        this.installations = new InstallationRouter(client);
        this.clock = clock;
        this.telemetry = telemetry;
        this.maxPolicyBytes = maxPolicyBytes;
        this.files = new FreshStaleCache<>(clock, MAX_WEIGHT, (Key key, PolicyRead read) -> key.weight() + weight(read));
    }

    public static String policyPath(String identity) {
        return ".github/chainguard/" + identity + ".sts.yaml";
    }

    /** A remembered 404: the caller answers NotFound before any GitHub call. */
    public boolean knownMissing(String owner, String repo, String identity) {
        return files.fresh(new Key(owner, repo, identity)) instanceof PolicyRead.Missing;
    }

    public PolicyRead read(AppPool pool, String owner, String repo, String identity) {
        Key key = new Key(owner, repo, identity);
        PolicyRead cached = files.fresh(key);
        if (cached != null) {
            telemetry.policyCache("hit");
            return cached;
        }
        telemetry.policyCache("miss");
        return files.get(key, kept -> readThrough(pool, key, kept), FreshStaleCache.Patience.unlimited());
    }

    /** One read of GitHub for all concurrent callers; {@code kept} is the copy there is, not fresh, or null. */
    private FreshStaleCache.Loaded<PolicyRead> readThrough(AppPool pool, Key key, FreshStaleCache.Entry<PolicyRead> kept) {
        String owner = key.owner();
        String path = policyPath(key.identity());
        int maxTries = 1 + Math.min(MAX_RETRIES, pool.apps().size() - 1);
        int rateLimitedTries = 0;
        // Apps not installed on the owner are skipped without using up a try.
        for (InstallationRouter.Lookup lookup : installations.inTurn(pool, owner)) {
            GitHubError error;
            switch (lookup) {
                case InstallationRouter.Lookup.NotInstalled ignored -> {
                    continue;
                }
                case InstallationRouter.Lookup.Failed(GitHubError e) -> error = e;
                case InstallationRouter.Lookup.Found(InstallationRouter.Installation installation) -> {
                    FileResult file = client.readFile(installation.app(), installation.id(), owner, key.repo(), path);
                    switch (file) {
                        case FileResult.Found(String text, String sha) -> {
                            return FreshStaleCache.Loaded.kept(FreshStaleCache.Entry.of(kept(path, text, sha),
                                    clock.instant(), PRIMARY_TTL, STALE_TTL));
                        }
                        case FileResult.Missing ignored -> {
                            return FreshStaleCache.Loaded.kept(FreshStaleCache.Entry.of(new PolicyRead.Missing(),
                                    clock.instant(), MISSING_TTL, MISSING_TTL));
                        }
                        case FileResult.Failed(GitHubError e) -> error = e;
                    }
                }
            }
            if (!error.rateLimitedLenient()) {
                return FreshStaleCache.Loaded.answered(new PolicyRead.Failed(error));
            }
            Instant now = clock.instant();
            if (kept != null && kept.keptAt(now) && stale(kept.value()) != null) {
                // Fresh again for 5 min, still leaving an hour after GitHub last gave it.
                return new FreshStaleCache.Loaded<>(stale(kept.value()),
                        new FreshStaleCache.Entry<>(kept.value(), now.plus(PRIMARY_TTL), kept.keptUntil()));
            }
            if (++rateLimitedTries >= maxTries) {
                break;
            }
        }
        return FreshStaleCache.Loaded.answered(rateLimitedTries > 0 ? new PolicyRead.RateLimited() : new PolicyRead.NotInstalled());
    }

    /** A kept file answered from the stale copy; null for what is never served stale (a 404). */
    private static PolicyRead stale(PolicyRead read) {
        return switch (read) {
            case PolicyRead.Found found -> new PolicyRead.Found(found.path(), found.yaml(), found.blobSha(), true);
            case PolicyRead.TooLarge tooLarge -> new PolicyRead.TooLarge(tooLarge.path(), tooLarge.blobSha(),
                    tooLarge.sha256(), true);
            default -> null;
        };
    }

    /** Heap bytes of a kept answer besides its key. */
    private static int weight(PolicyRead read) {
        return switch (read) {
            case PolicyRead.Found found -> Caches.ENTRY_OVERHEAD + Caches.chars(found.path()) + Caches.chars(found.yaml())
                    + Caches.chars(found.blobSha());
            case PolicyRead.TooLarge tooLarge -> Caches.ENTRY_OVERHEAD + Caches.chars(tooLarge.path())
                    + Caches.chars(tooLarge.blobSha()) + Caches.chars(tooLarge.sha256());
            default -> 0;
        };
    }

    /** The text, or only its digest when it is larger than a policy may be (measured as the parser measures it). */
    private PolicyRead kept(String path, String text, String blobSha) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return utf8.length > maxPolicyBytes ? new PolicyRead.TooLarge(path, blobSha, Sha256.hex(utf8), false)
                : new PolicyRead.Found(path, text, blobSha, false);
    }


    /** Bytes held by the cache, for tests. */
    long estimatedWeight() {
        return files.weight();
    }
}
