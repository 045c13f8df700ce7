package dev.octosts.oidc;

import dev.octosts.cache.FreshStaleCache;
import dev.octosts.telemetry.Telemetry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Key sets for {@link OidcVerifier}: loads an issuer's JWKS from its source (a discovered or configured URL,
 * or a file), caches it (key sets for 10 min, failures for 15 s, at most {@value #MAX_KEY_SET_CACHE_WEIGHT}
 * bytes), lets concurrent cold requests for one issuer share one load, and reloads after an unknown kid at
 * most once per issuer per {@value #KID_REFRESH_SECONDS} s. Thread-safe.
 */
final class KeySetStore {
    static final Duration JWKS_TTL = Duration.ofMinutes(10);
    static final Duration JWKS_FAILURE_TTL = Duration.ofSeconds(15);
    static final int KID_REFRESH_SECONDS = 30;
    static final Duration KID_REFRESH_INTERVAL = Duration.ofSeconds(KID_REFRESH_SECONDS);
    /**
     * 16 MiB: some 1,500 issuers with a handful of keys each (about 10 KiB), or 80 hostile sets of
     * {@value KeySet#MAX_USABLE_KEYS} RSA keys (about 200 KiB each).
     */
    static final long MAX_KEY_SET_CACHE_WEIGHT = 16L << 20;

    private final Clock clock;
    private final SafeFetcher fetcher;
    private final Telemetry telemetry;
    /**
     * Key sets by issuer: fresh until their own end of freshness; kept {@link #JWKS_TTL} after they were
     * stored, so that {@link #refreshed} can compare the one there is with the one a caller saw.
     */
    private final FreshStaleCache<String, KeySet> keySets;

    KeySetStore(Clock clock, SafeFetcher fetcher, Telemetry telemetry) {
        this.clock = clock;
        this.fetcher = fetcher;
        this.telemetry = telemetry;
        this.keySets = new FreshStaleCache<>(clock, MAX_KEY_SET_CACHE_WEIGHT,
                (String issuer, KeySet set) -> ProviderDiscovery.keyWeight(issuer) + set.estimatedHeapBytes());
    }

    /** The issuer's key set from {@code source}: a fresh cached one from the same source, else newly loaded. */
    KeySet keySet(String issuer, JwksSource source) {
        KeySet cached = keySets.fresh(issuer);
        if (cached != null && cached.source().equals(source)) {
            return cached;
        }
        return keySets.load(issuer, kept -> {
            if (kept != null && kept.freshAt(clock.instant()) && kept.value().source().equals(source)) {
                return FreshStaleCache.Loaded.answered(kept.value());
            }
            return FreshStaleCache.Loaded.kept(stored(loadTraced(issuer, source)));
        }, FreshStaleCache.Patience.unlimited());
    }

    private FreshStaleCache.Entry<KeySet> stored(KeySet keySet) {
        return new FreshStaleCache.Entry<>(keySet, keySet.expiresAt(), clock.instant().plus(JWKS_TTL));
    }

    /**
     * The key set after an unknown kid: reloaded unless it was (re)loaded less than
     * {@value #KID_REFRESH_SECONDS} s ago. A failed reload keeps the old keys for their remaining time.
     */
    KeySet refreshed(String issuer, KeySet seen) {
        return keySets.load(issuer, kept -> {
            Instant now = clock.instant();
            KeySet current = kept == null ? null : kept.value();
            if (current != null && current.source().equals(seen.source())
                    && (current != seen || now.isBefore(current.attemptedAt().plus(KID_REFRESH_INTERVAL)))) {
                return FreshStaleCache.Loaded.answered(current);
            }
            KeySet loaded = loadTraced(issuer, seen.source());
            if (loaded.isFailed()) {
                return new FreshStaleCache.Loaded<>(loaded, stored(seen.attemptedAt(now)));
            }
            return FreshStaleCache.Loaded.kept(stored(loaded));
        }, FreshStaleCache.Patience.unlimited());
    }

    private KeySet loadTraced(String issuer, JwksSource source) {
        return telemetry.inSpan("oidc.jwks", Map.of("octosts.oidc.issuer", issuer,
                "octosts.oidc.jwks_source", source instanceof JwksSource.Remote ? "remote" : "file"), () -> load(source));
    }

    private KeySet load(JwksSource source) {
        Instant now = clock.instant();
        byte[] document;
        try {
            document = read(source);
        } catch (SafeFetcher.FetchException e) {
            return KeySet.failed(source, "key set: " + e.getMessage(), now, now.plus(JWKS_FAILURE_TTL));
        }
        try {
            return KeySet.loaded(source, KeySet.parse(document), now, now.plus(JWKS_TTL));
        } catch (ParseException e) {
            return KeySet.failed(source, "key set from " + describe(source) + " is not a valid JWKS", now,
                    now.plus(JWKS_FAILURE_TTL));
        }
    }

    private byte[] read(JwksSource source) throws SafeFetcher.FetchException {
        return switch (source) {
            case JwksSource.Remote remote -> fetcher.get(remote.url());
            case JwksSource.LocalFile file -> {
                try (InputStream in = Files.newInputStream(file.path())) {
                    byte[] bytes = in.readNBytes(SafeFetcher.MAX_BODY_BYTES + 1);
                    if (bytes.length > SafeFetcher.MAX_BODY_BYTES) {
                        throw new SafeFetcher.FetchException("file " + file.path() + " is larger than "
                                + SafeFetcher.MAX_BODY_BYTES + " bytes");
                    }
                    yield bytes;
                } catch (IOException e) {
                    throw new SafeFetcher.FetchException("cannot read file " + file.path() + " ("
                            + e.getClass().getSimpleName() + ")");
                }
            }
        };
    }

    private static String describe(JwksSource source) {
        return switch (source) {
            case JwksSource.Remote remote -> Text.printable(remote.url().toString(), 300);
            case JwksSource.LocalFile file -> file.path().toString();
        };
    }

    /** Bytes the cache holds, after pending evictions. */
    long cacheWeight() {
        return keySets.weight();
    }
}
