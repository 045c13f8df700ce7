package dev.octosts.webhook;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;

/**
 * How many deliveries each client address may have read without proving to be signed: a token bucket per
 * address, one token taken before a body is read and given back when its signature matches. So a sender
 * whose deliveries are refused, cut off or never finished (a flood, a slow sender) runs out after a burst
 * and then gets 429 before any byte of its body is read, while GitHub, whose deliveries are signed, never
 * uses its allowance up. An IPv6 address counts by its /64 network, the block one host usually has.
 *
 * <p>The state lives in a bounded cache: a flood of new addresses costs a fixed amount of memory, and an
 * address forgotten there only gets a fresh allowance. Thread-safe.
 */
final class UnverifiedDeliveries {
    static final long MAX_ADDRESSES = 100_000;
    private static final Duration IDLE = Duration.ofMinutes(10);

    private final long perMinute;
    private final Cache<String, Bucket> buckets =
            Caffeine.newBuilder().maximumSize(MAX_ADDRESSES).expireAfterAccess(IDLE).build();

    /** @param perMinute deliveries an address may have unverified per minute, and at once */
    UnverifiedDeliveries(long perMinute) {
        if (perMinute <= 0) {
            throw new IllegalArgumentException("the allowance must be positive");
        }
        this.perMinute = perMinute;
    }

    /** Takes one from the address's allowance; false when it has none left. */
    boolean take(InetAddress address) {
        return buckets.get(key(address), k -> Bucket.builder()
                .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                .build()).tryConsume(1);
    }

    /** Gives back what {@link #take} took: the delivery was signed. */
    void giveBack(InetAddress address) {
        Bucket bucket = buckets.getIfPresent(key(address));
        if (bucket != null) {
            // Bucket4j keeps the tokens at most at the bucket's capacity.
            bucket.addTokens(1);
        }
    }

    static String key(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] network = Arrays.copyOf(address.getAddress(), 16);
            Arrays.fill(network, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(network).getHostAddress() + "/64";
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException("16 bytes are always an IPv6 address", e);
            }
        }
        return address.getHostAddress();
    }
}
