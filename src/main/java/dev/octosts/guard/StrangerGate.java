package dev.octosts.guard;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many requests of callers not known here are worked on at once. Virtual threads are not time-sliced:
 * a flood of strangers' requests, each a millisecond or two of parsing, verifying and recording, would
 * otherwise stand in the carrier threads' queue ahead of every known caller's next step. Known callers
 * (see {@link RateLimits#isKnownCaller}) never wait here; strangers wait their turn, at most
 * {@code maxWaiting} of them and each at most {@code maxWait}, and past that are refused as over budget.
 */
public final class StrangerGate {
    private final Semaphore working;
    private final AtomicInteger waiting = new AtomicInteger();
    private final int maxWaiting;
    private final Duration maxWait;

    /**
     * @param atOnce     strangers' requests worked on at once; 0 lets every request through
     * @param maxWaiting strangers' requests waiting at most
     * @param maxWait    how long one waits at most
     */
    public StrangerGate(int atOnce, int maxWaiting, Duration maxWait) {
        if (atOnce < 0 || maxWaiting < 0 || maxWait.isNegative()) {
            throw new IllegalArgumentException("the stranger gate's bounds must not be negative");
        }
        // Fair: those waiting get their turns in order, not after whoever arrives next.
        this.working = atOnce == 0 ? null : new Semaphore(atOnce, true);
        this.maxWaiting = maxWaiting;
        this.maxWait = maxWait;
    }

    /** True once the request may be worked on (then {@link #leave} when done); false when it is refused. */
    public boolean enter() {
        if (working == null) {
            return true;
        }
        try {
            // A turn free now is taken at once; otherwise the request waits, if there is room to.
            return working.tryAcquire(0, TimeUnit.NANOSECONDS) || awaitTurn();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean awaitTurn() throws InterruptedException {
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            return false;
        }
        try {
            return working.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } finally {
            waiting.decrementAndGet();
        }
    }

    public void leave() {
        if (working != null) {
            working.release();
        }
    }
}
