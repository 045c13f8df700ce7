package dev.octosts.guard;

import io.opentelemetry.context.Context;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * One overall deadline per exchange. The exchange's steps run on a virtual thread of their own; when the
 * deadline passes, that thread is interrupted, which aborts whatever outbound call it is blocked in
 * (socket I/O on a virtual thread is interruptible), and the caller gets an answer instead of waiting
 * for every step's own timeout in turn. The interrupted steps are then waited for, so that whatever
 * they left behind (a token minted just before the deadline) is seen and cleaned up by the caller.
 */
public final class ExchangeDeadline {
    private final Duration budget;

    public ExchangeDeadline(Duration budget) {
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("the exchange deadline must be positive");
        }
        this.budget = budget;
    }

    public Duration budget() {
        return budget;
    }

    /**
     * What the steps returned, and whether they returned within the deadline. When they did not, they
     * were interrupted and have stopped; {@code result} is then what they returned once stopped (null when
     * they threw), so that whatever they left behind is seen and cleaned up, never handed out.
     */
    public record Ran<T>(T result, boolean inTime) {
    }

    /**
     * Runs {@code steps} within the deadline, in the caller's trace context. An exception the steps throw
     * within the deadline is thrown here.
     */
    public <T> Ran<T> run(Supplier<T> steps) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Runnable body = Context.current().wrap(() -> {
            try {
                result.set(steps.get());
            } catch (RuntimeException e) {
                failure.set(e);
            }
        });
        Thread worker = Thread.ofVirtual().name("exchange-steps").start(body);
        boolean finished;
        try {
            finished = worker.join(budget);
        } catch (InterruptedException e) {
            // The caller itself is being stopped: stop the steps too, and let it know.
            worker.interrupt();
            joinUninterruptibly(worker);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the exchange ran", e);
        }
        if (!finished) {
            worker.interrupt();
            joinUninterruptibly(worker);
            return new Ran<>(result.get(), false);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Ran<>(result.get(), true);
    }

    private static void joinUninterruptibly(Thread worker) {
        boolean interrupted = false;
        while (true) {
            try {
                worker.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
