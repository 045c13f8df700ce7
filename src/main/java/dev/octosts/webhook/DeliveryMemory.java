package dev.octosts.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Replay protection: the most recent deliveries, by {@code X-GitHub-Delivery} id and by the SHA-256 of the
 * signed body, so that a replayed delivery (GitHub's redelivery or a captured request sent again) creates no
 * second check run. Bounded to {@link #MAX_REMEMBERED} keys, oldest forgotten first. Thread-safe.
 */
final class DeliveryMemory {
    /** About 1.5 MB at most; several days of deliveries for a busy organization. */
    static final int MAX_REMEMBERED = 10_000;

    private final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };

    /** Claims a delivery; false when it (its id or its exact body) was claimed before and not released. */
    synchronized boolean claim(String deliveryId, byte[] body) {
        String bodyKey = bodyKey(body);
        String idKey = idKey(deliveryId);
        if (seen.containsKey(bodyKey) || (idKey != null && seen.containsKey(idKey))) {
            return false;
        }
        seen.put(bodyKey, Boolean.TRUE);
        if (idKey != null) {
            seen.put(idKey, Boolean.TRUE);
        }
        return true;
    }

    /** Forgets a delivery that could not be processed, so that GitHub's redelivery is processed. */
    synchronized void release(String deliveryId, byte[] body) {
        seen.remove(bodyKey(body));
        String idKey = idKey(deliveryId);
        if (idKey != null) {
            seen.remove(idKey);
        }
    }

    private static String idKey(String deliveryId) {
        // Hashed, so that a long header cannot make an entry large.
        return deliveryId == null || deliveryId.isEmpty() ? null : "id:" + sha256(deliveryId.getBytes(StandardCharsets.UTF_8));
    }

    private static String bodyKey(byte[] body) {
        return "body:" + sha256(body);
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
