package dev.octosts.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.github.benmanes.caffeine.cache.Weigher;
import java.time.Clock;
import java.time.Duration;

/** Caffeine caches bounded by heap bytes (a weigher) and aged by the service's clock. */
public final class Caches {
    /** Object headers, references and the map node around each entry, in bytes. */
    public static final int ENTRY_OVERHEAD = 128;

    private Caches() {
    }

    /**
     * Entries expire {@code ttl} after they were written, by {@code clock} (tests move it by hand); the
     * least valuable entries are evicted once the weights together exceed {@code maxWeight}. Upkeep runs on
     * the calling thread: it is a few map operations, and the bound holds as soon as a write returns.
     */
    public static <K, V> Cache<K, V> expiring(Clock clock, Duration ttl, long maxWeight, Weigher<? super K, ? super V> weigher) {
        return Caffeine.newBuilder()
                .ticker(ticker(clock))
                .expireAfterWrite(ttl)
                .maximumWeight(maxWeight)
                .weigher(weigher)
                .executor(Runnable::run)
                .build();
    }

    /**
     * Entries expire {@code idle} after they were last read or written, by {@code clock}; the least valuable
     * are evicted beyond {@code maxEntries}. For sessions, whose idle timeout renews with each use.
     */
    public static <K, V> Cache<K, V> idleExpiring(Clock clock, Duration idle, long maxEntries) {
        return Caffeine.newBuilder()
                .ticker(ticker(clock))
                .expireAfterAccess(idle)
                .maximumSize(maxEntries)
                .executor(Runnable::run)
                .build();
    }

    /** Caffeine's time read from the service's clock, so that tests age entries by moving the clock. */
    public static Ticker ticker(Clock clock) {
        return () -> clock.millis() * 1_000_000L;
    }

    /** Heap bytes of a string, counted as UTF-16 (an upper bound for Java's compact strings). */
    public static int chars(String text) {
        return 2 * text.length();
    }

    /** The cache's weight after pending evictions, for tests. */
    public static long weight(Cache<?, ?> cache) {
        cache.cleanUp();
        return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }
}
