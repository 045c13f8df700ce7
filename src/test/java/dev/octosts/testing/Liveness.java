package dev.octosts.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs work that must end, failing (instead of hanging the build) when it does not: for fuzzed parsers,
 * where "never a hang" is part of the property. The bound is generous; it is a liveness check, not timing.
 */
public final class Liveness {
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(work -> {
        Thread thread = new Thread(work, "liveness-check");
        thread.setDaemon(true);
        return thread;
    });

    private Liveness() {
    }

    /** The work's result or its own exception; an {@link AssertionError} when it runs longer than {@code limit}. */
    public static <T> T within(Duration limit, Callable<T> work) throws Exception {
        Future<T> result = WORKERS.submit(work);
        try {
            return result.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            throw new AssertionError("did not finish within " + limit);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
