package dev.octosts.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * An open-loop latency measurement: requests start at a fixed rate whatever the answers, so a slow
 * service meets more and more requests instead of fewer, as it does in production.
 */
final class OpenLoop {
    /** The i-th request of a run; true when it got the answer it should. A thrown exception counts as false. */
    interface Request {
        boolean send(long i) throws Exception;
    }

    /** Each request's latency in microseconds, sorted, and how many got the answer they should. */
    record Result(long[] sortedMicros, long successes) {
        double successShare() {
            return sortedMicros.length == 0 ? Double.NaN : (double) successes / sortedMicros.length;
        }

        double percentileMs(double p) {
            return Figures.percentileMs(sortedMicros, p);
        }
    }

    private OpenLoop() {
    }

    /** {@code rate} requests a second for {@code duration}, each on a virtual thread of its own. */
    static Result run(int rate, Duration duration, Request request) throws InterruptedException {
        return run(rate, duration, false, request);
    }

    /**
     * {@code rate} requests a second for {@code duration}, each on a thread of its own: a platform thread
     * when {@code platform}, so that the kernel schedules it directly, not behind other virtual threads of
     * this JVM (an attacker's, when this loop measures what legitimate clients see during an attack).
     */
    static Result run(int rate, Duration duration, boolean platform, Request request) throws InterruptedException {
        int total = (int) (rate * duration.toMillis() / 1000);
        long[] latencies = new long[total];
        LongAdder successes = new LongAdder();
        long intervalNanos = 1_000_000_000L / rate;
        try (ExecutorService senders = platform ? Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory())
                : Executors.newVirtualThreadPerTaskExecutor()) {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + i * intervalNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                int index = i;
                senders.submit(() -> {
                    long sent = System.nanoTime();
                    boolean success;
                    try {
                        success = request.send(index);
                    } catch (Exception | Error e) {
                        success = false;
                    }
                    if (success) {
                        successes.increment();
                    }
                    // Measured from when the request was due, so a stalled sender counts against us.
                    latencies[index] = (System.nanoTime() - Math.min(sent, due)) / 1_000;
                });
            }
        }
        Arrays.sort(latencies);
        return new Result(latencies, successes.sum());
    }
}
