package dev.octosts.github;

import com.github.benmanes.caffeine.cache.Cache;
import dev.octosts.telemetry.Telemetry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Trust-policy files, {@code .github/chainguard/<identity>.sts.yaml}, read through an App pool with
 * Octo STS's caches (README rule 22): raw YAML 5 min (primary) and 1 h (stale), a 404 remembered
 * for 5 min. A read that GitHub rate-limits (lenient: 403 or 429) is answered from the stale copy,
 * which also re-seeds the primary cache; without one it is retried on up to {@code min(3, apps-1)}
 * other Apps of the pool, in their round-robin turn ({@link InstallationRouter}) so the load spreads.
 *
 * <p>A file larger than a policy may be ({@code maxPolicyBytes} in UTF-8) is kept only as its digest and
 * answered as {@link PolicyRead.TooLarge}: anyone can put a file of up to GitHub's 1 MiB response in a
 * repository they own, and its text would otherwise sit in both caches. The caches are bounded by the
 * bytes they hold ({@link #MAX_TEXT_WEIGHT} each for primary and stale, {@link #MAX_MISSING_WEIGHT} for
 * the 404s), keys included, since owner and repository come from the caller's scope.
 */
public final class PolicyFiles {
    static final Duration PRIMARY_TTL = Duration.ofMinutes(5);
    static final Duration STALE_TTL = Duration.ofHours(1);
    static final Duration MISSING_TTL = Duration.ofMinutes(5);
    /**
     * 8 MiB each (they share their entries' text): some 5,000 typical policies (about 1.5 KiB each), or 64
     * at the 64 KiB limit, counted at 2 bytes a char.
     */
    static final long MAX_TEXT_WEIGHT = 8L << 20;
    /** 2 MiB: some 10,000 remembered 404s. */
    static final long MAX_MISSING_WEIGHT = 2L << 20;
    static final int MAX_RETRIES = 3;

    private record Key(String owner, String repo, String identity) {
        int weight() {
            return Caches.ENTRY_OVERHEAD + Caches.chars(owner) + Caches.chars(repo) + Caches.chars(identity);
        }
    }

    /** What is kept of one file: its text, or only that it is too large to be a policy. */
    private sealed interface Policy {
        int weight();

        PolicyRead answer(String path, boolean stale);
    }

    private record Text(String yaml, String blobSha) implements Policy {
        @Override
        public int weight() {
            return Caches.ENTRY_OVERHEAD + Caches.chars(yaml) + Caches.chars(blobSha);
        }

        @Override
        public PolicyRead answer(String path, boolean stale) {
            return new PolicyRead.Found(path, yaml, blobSha, stale);
        }
    }

    private record TooLarge(String blobSha, String sha256) implements Policy {
        @Override
        public int weight() {
            return Caches.ENTRY_OVERHEAD + Caches.chars(blobSha) + Caches.chars(sha256);
        }

        @Override
        public PolicyRead answer(String path, boolean stale) {
            return new PolicyRead.TooLarge(path, blobSha, sha256, stale);
        }
    }

    private final GitHubClient client;
    private final int maxPolicyBytes;
    private final Cache<Key, Policy> primary;
    private final Cache<Key, Policy> stale;
    private final Cache<Key, Boolean> missing;
    private final InstallationRouter installations;
    private final Telemetry telemetry;

    /** @param maxPolicyBytes the largest policy file, in UTF-8 bytes, whose text is kept and returned */
    public PolicyFiles(GitHubClient client, Clock clock, int maxPolicyBytes) {
        this(client, clock, maxPolicyBytes, Telemetry.off());
    }

    public PolicyFiles(GitHubClient client, Clock clock, int maxPolicyBytes, Telemetry telemetry) {
        this.client = client;
        this.installations = new InstallationRouter(client);
        this.telemetry = telemetry;
        this.maxPolicyBytes = maxPolicyBytes;
        this.primary = Caches.expiring(clock, PRIMARY_TTL, MAX_TEXT_WEIGHT, (Key k, Policy v) -> k.weight() + v.weight());
        this.stale = Caches.expiring(clock, STALE_TTL, MAX_TEXT_WEIGHT, (Key k, Policy v) -> k.weight() + v.weight());
        this.missing = Caches.expiring(clock, MISSING_TTL, MAX_MISSING_WEIGHT, (Key k, Boolean v) -> k.weight());
    }

    public static String policyPath(String identity) {
        return ".github/chainguard/" + identity + ".sts.yaml";
    }

    /** A remembered 404: the caller answers NotFound before any GitHub call. */
    public boolean knownMissing(String owner, String repo, String identity) {
        return missing.getIfPresent(new Key(owner, repo, identity)) != null;
    }

    public PolicyRead read(AppPool pool, String owner, String repo, String identity) {
        Key key = new Key(owner, repo, identity);
        Policy cached = primary.getIfPresent(key);
        if (cached != null) {
            telemetry.policyCache("hit");
            return cached.answer(policyPath(identity), false);
        }
        if (missing.getIfPresent(key) != null) {
            telemetry.policyCache("hit");
            return new PolicyRead.Missing();
        }
        telemetry.policyCache("miss");
        String path = policyPath(identity);
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
                    FileResult file = client.readFile(installation.app(), installation.id(), owner, repo, path);
                    switch (file) {
                        case FileResult.Found(String text, String sha) -> {
                            Policy policy = kept(text, sha);
                            primary.put(key, policy);
                            stale.put(key, policy);
                            return policy.answer(path, false);
                        }
                        case FileResult.Missing ignored -> {
                            missing.put(key, Boolean.TRUE);
                            primary.invalidate(key);
                            stale.invalidate(key);
                            return new PolicyRead.Missing();
                        }
                        case FileResult.Failed(GitHubError e) -> error = e;
                    }
                }
            }
            if (!error.rateLimitedLenient()) {
                return new PolicyRead.Failed(error);
            }
            Policy old = stale.getIfPresent(key);
            if (old != null) {
                primary.put(key, old);
                return old.answer(path, true);
            }
            if (++rateLimitedTries >= maxTries) {
                break;
            }
        }
        return rateLimitedTries > 0 ? new PolicyRead.RateLimited() : new PolicyRead.NotInstalled();
    }

    /** The text, or only its digest when it is larger than a policy may be (measured as the parser measures it). */
    private Policy kept(String text, String blobSha) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return utf8.length > maxPolicyBytes ? new TooLarge(blobSha, sha256Hex(utf8)) : new Text(text, blobSha);
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** Bytes held by the primary, stale and missing caches together, for tests. */
    long estimatedWeight() {
        return Caches.weight(primary) + Caches.weight(stale) + Caches.weight(missing);
    }
}
