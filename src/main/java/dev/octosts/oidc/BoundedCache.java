package dev.octosts.oidc;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small LRU map with a per-entry expiry, for per-issuer state. Bounded so that tokens naming endless
 * made-up issuers cannot grow memory. Methods are synchronized: each is a few map operations.
 */
final class BoundedCache<V> {
    private record Slot<V>(V value, Instant expiresAt) {
    }

    private final Map<String, Slot<V>> entries;

    BoundedCache(int maxEntries) {
        this.entries = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Slot<V>> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The value if present and {@code now} is before its expiry, else null. */
    synchronized V getFresh(String key, Instant now) {
        Slot<V> entry = entries.get(key);
        return entry != null && now.isBefore(entry.expiresAt()) ? entry.value() : null;
    }

    /** The value even if expired, or null. */
    synchronized V getAny(String key) {
        Slot<V> entry = entries.get(key);
        return entry == null ? null : entry.value();
    }

    synchronized void put(String key, V value, Instant expiresAt) {
        entries.put(key, new Slot<>(value, expiresAt));
    }

    synchronized int size() {
        return entries.size();
    }
}
