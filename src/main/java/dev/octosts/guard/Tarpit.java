package dev.octosts.guard;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Holds the answer to a request refused for its rate, so that a caller over its budget cannot simply ask
 * again at once: a client that waits for each answer (as a flood from a bounded number of connections
 * does) is slowed to its own concurrency per hold, at the cost of a parked virtual thread each, not of
 * CPU. At most {@code maxHeld} answers are held at once; past that a refusal is answered at once and its
 * connection closed, so that holding can never take the listener's connections, and a caller with more
 * connections than that pays a new connection for every further request.
 */
public final class Tarpit {
    private final Duration hold;
    private final Semaphore slots;
    private final LongAdder held = new LongAdder();
    private final LongAdder sentAtOnce = new LongAdder();

    /**
     * @param hold    how long a refusal's answer waits; zero turns holding off (answers at once, connection kept)
     * @param maxHeld answers held at once at most
     */
    public Tarpit(Duration hold, int maxHeld) {
        if (hold.isNegative() || maxHeld < 1) {
            throw new IllegalArgumentException("the hold must not be negative and at least one answer must be holdable");
        }
        this.hold = hold;
        this.slots = new Semaphore(maxHeld);
    }

    public static Tarpit off() {
        return new Tarpit(Duration.ZERO, 1);
    }

    /**
     * Waits out the hold when a slot is free. False when none was: the answer goes at once and the caller
     * should close the connection.
     */
    public boolean hold() {
        if (hold.isZero()) {
            return true;
        }
        if (!slots.tryAcquire()) {
            sentAtOnce.increment();
            return false;
        }
        held.increment();
        try {
            long millis = hold.toMillis();
            Thread.sleep(Duration.ofMillis(millis / 2 + ThreadLocalRandom.current().nextLong(millis + 1)));
        } catch (InterruptedException e) {
            // The server is stopping: answer now.
            Thread.currentThread().interrupt();
        } finally {
            slots.release();
        }
        return true;
    }

    /** Answers held so far. */
    public long held() {
        return held.sum();
    }

    /** Answers sent at once so far because every hold was taken. */
    public long sentAtOnce() {
        return sentAtOnce.sum();
    }

    /** Whole seconds a refused caller should wait before asking again ({@code Retry-After}), at least 1. */
    public long retryAfterSeconds() {
        return Math.max(1, (hold.toMillis() + 999) / 1000);
    }
}
