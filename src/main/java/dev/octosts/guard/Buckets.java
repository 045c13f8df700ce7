package dev.octosts.guard;

import dev.octosts.digest.Sha256;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.octosts.config.AddressRange;
import io.github.bucket4j.Bucket;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Token buckets keyed by what outsiders send (addresses, issuers, callers), in a cache bounded in entries
 * with keys bounded in bytes: a flood of new keys costs a fixed amount of memory, and a key forgotten
 * (the least recently used, or idle for ten minutes) only gets a fresh budget. Thread-safe.
 */
public final class Buckets {
    /** Longest key kept as it is; a longer one is kept as its SHA-256. */
    static final int MAX_KEY_BYTES = 256;
    private static final Duration IDLE = Duration.ofMinutes(10);

    private final Cache<String, Bucket> buckets;
    private final Supplier<Bucket> newBucket;

    public Buckets(long maxKeys, Supplier<Bucket> newBucket) {
        this.buckets = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterAccess(IDLE).build();
        this.newBucket = newBucket;
    }

    /** {@code perSecond} sustained, in bursts of {@link #burst} as many. */
    public static Bucket perSecond(long perSecond) {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(burst(perSecond)).refillGreedy(perSecond, Duration.ofSeconds(1)))
                .build();
    }

    /** The most a {@link #perSecond} bucket holds: twice its rate. */
    public static long burst(long perSecond) {
        return 2 * perSecond;
    }

    /** {@code count} a minute, in bursts of as many. */
    public static Bucket perMinute(long count) {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(count).refillGreedy(count, Duration.ofMinutes(1)))
                .build();
    }

    /** Takes one from the key's bucket (made when the key is new); false when it is empty. */
    public boolean tryConsume(String key) {
        return tryConsume(key, 1);
    }

    /** Takes {@code count} from the key's bucket (made when the key is new); false when it has not that many. */
    public boolean tryConsume(String key, long count) {
        return buckets.get(boundedKey(key), k -> newBucket.get()).tryConsume(count);
    }

    /** The key's bucket when it has one, without making one. */
    public Bucket existing(String key) {
        return buckets.getIfPresent(boundedKey(key));
    }

    public void forget(String key) {
        buckets.invalidate(boundedKey(key));
    }

    static String boundedKey(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_KEY_BYTES) {
            return value;
        }
        return "sha256:" + Sha256.hex(bytes);
    }

    /**
     * The key of a client address: an IPv6 address counts by its /64 network, the block one host usually
     * has (a budget per address would give such a host 2⁶⁴ of them); anything else as it is.
     */
    public static String clientKey(String address) {
        byte[] bytes = AddressRange.literal(address);
        if (bytes == null || bytes.length != 16) {
            return address;
        }
        byte[] network = Arrays.copyOf(bytes, 16);
        Arrays.fill(network, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/64";
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an IPv6 address", e);
        }
    }
}
