package dev.octosts.github;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small LRU map whose entries expire by the given clock. Thread-safe; bounded in size. */
final class ExpiringCache<K, V> {
    private record Slot<V>(V value, Instant expiresAt) {
    }

    private final Clock clock;
    private final Duration ttl;
    private final Map<K, Slot<V>> entries;

    ExpiringCache(Clock clock, Duration ttl, int maxEntries) {
        this.clock = clock;
        this.ttl = ttl;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Slot<V>> eldest) {
                return size() > maxEntries;
            }
        };
    }

    synchronized V get(K key) {
        Slot<V> entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (!clock.instant().isBefore(entry.expiresAt())) {
            entries.remove(key);
            return null;
        }
        return entry.value();
    }

    synchronized void put(K key, V value) {
        entries.put(key, new Slot<>(value, clock.instant().plus(ttl)));
    }

    synchronized void remove(K key) {
        entries.remove(key);
    }
}
