package dev.octosts.webhook;

import dev.octosts.guard.Buckets;
import io.github.bucket4j.Bucket;

import java.net.InetAddress;

/**
 * How many deliveries each client address may have read without proving to be signed: a token bucket per
 * address, one token taken before a body is read and given back when its signature matches. So a sender
 * whose deliveries are refused, cut off or never finished (a flood, a slow sender) runs out after a burst
 * and then gets 429 before any byte of its body is read, while GitHub, whose deliveries are signed, never
 * uses its allowance up. An IPv6 address counts by its /64 network, the block one host usually has.
 *
 * <p>The state lives in {@link Buckets}: a flood of new addresses costs a fixed amount of memory, and an
 * address forgotten there only gets a fresh allowance. Thread-safe.
 */
final class UnverifiedDeliveries {
    static final long MAX_ADDRESSES = 100_000;

    private final Buckets buckets;

    /** @param perMinute deliveries an address may have unverified per minute, and at once */
    UnverifiedDeliveries(long perMinute) {
        if (perMinute <= 0) {
            throw new IllegalArgumentException("the allowance must be positive");
        }
        this.buckets = new Buckets(MAX_ADDRESSES, () -> Buckets.perMinute(perMinute));
    }

    /** Takes one from the address's allowance; false when it has none left. */
    boolean take(InetAddress address) {
        return buckets.tryConsume(Buckets.clientKey(address.getHostAddress()));
    }

    /** Gives back what {@link #take} took: the delivery was signed. */
    void giveBack(InetAddress address) {
        Bucket bucket = buckets.existing(Buckets.clientKey(address.getHostAddress()));
        if (bucket != null) {
            // Bucket4j keeps the tokens at most at the bucket's capacity.
            bucket.addTokens(1);
        }
    }
}
