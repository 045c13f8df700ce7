package dev.octosts.bench;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A closed-loop throughput measurement: each client starts its next operation when the last one
 * finished; operations are counted after a warm-up, over a fixed time.
 */
final class ClosedLoop {
    /** One operation of one client; {@code n} numbers the operations of the whole run. */
    interface Operation {
        void run(int client, long n) throws Exception;
    }

    private ClosedLoop() {
    }

    /** Operations per second of {@code clients} virtual-thread clients (platform threads when {@code platform}). */
    static double measure(int clients, boolean platform, Duration warmUp, Duration measure, Operation operation)
            throws InterruptedException {
        LongAdder done = new LongAdder();
        AtomicLong sequence = new AtomicLong();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        try (ExecutorService threads = platform ? Executors.newFixedThreadPool(clients)
                : Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                threads.submit(() -> {
                    while (running.get()) {
                        operation.run(client, sequence.getAndIncrement());
                        if (counting.get()) {
                            done.increment();
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(warmUp);
            counting.set(true);
            long start = System.nanoTime();
            Thread.sleep(measure);
            counting.set(false);
            double seconds = (System.nanoTime() - start) / 1e9;
            running.set(false);
            return done.sum() / seconds;
        }
    }
}
