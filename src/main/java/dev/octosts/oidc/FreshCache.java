package dev.octosts.oidc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.ToIntFunction;

/**
 * A per-issuer cache of values with their own end of freshness, bounded by the heap its entries hold
 * (anyone can run an issuer). Ages come from the given clock. Thread-safe.
 */
final class FreshCache<V> {
    /** Object headers, references and the map node around each entry, in bytes. */
    private static final int ENTRY_OVERHEAD = 128;

    private final Clock clock;
    private final Cache<String, Fresh<V>> cache;

    /**
     * A cached value and the end of its freshness. An entry leaves the cache at the latest {@code ttl} after
     * it was written (the longest freshness it can have); until then a stale one is still there for
     * {@link KeySetStore#refreshed}, which compares it with the one a caller saw.
     */
    private record Fresh<V>(V value, Instant until) {
        V ifFresh(Instant now) {
            return now.isBefore(until) ? value : null;
        }
    }

    FreshCache(Clock clock, Duration ttl, long maxWeight, ToIntFunction<V> valueWeight) {
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .ticker(() -> clock.millis() * 1_000_000L)
                .expireAfterWrite(ttl)
                .maximumWeight(maxWeight)
                .<String, Fresh<V>>weigher((issuer, entry) -> weight(issuer) + valueWeight.applyAsInt(entry.value()))
                .executor(Runnable::run)
                .build();
    }

    private static int weight(String issuer) {
        return ENTRY_OVERHEAD + 2 * issuer.length();
    }

    /** The value of a fresh entry, or null. */
    V fresh(String issuer) {
        Fresh<V> entry = cache.getIfPresent(issuer);
        return entry == null ? null : entry.ifFresh(clock.instant());
    }

    /** The value of an entry still in the cache, fresh or stale, or null. */
    V freshOrStale(String issuer) {
        Fresh<V> entry = cache.getIfPresent(issuer);
        return entry == null ? null : entry.value();
    }

    void put(String issuer, V value, Instant until) {
        cache.put(issuer, new Fresh<>(value, until));
    }

    /** Bytes the cache holds, after pending evictions. */
    long weight() {
        cache.cleanUp();
        return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }
}
