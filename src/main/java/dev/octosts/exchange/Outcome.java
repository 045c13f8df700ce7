package dev.octosts.exchange;

import java.util.Objects;

/**
 * What one step of an exchange or an audit read produced: its value, or the refusal that ends the
 * request there. A refusal is a value like any other, never an exception that leaves the step.
 *
 * <p>A sequence of steps reads one line per step inside {@link #steps}: each line takes its step's value
 * with {@link #orStop()}, and the first refusal ends the sequence as its outcome.
 */
public sealed interface Outcome<T> {

    record Value<T>(T value) implements Outcome<T> {
    }

    record Refused<T>(Refusal refusal) implements Outcome<T> {
        public Refused {
            Objects.requireNonNull(refusal, "refusal");
        }
    }

    static <T> Outcome<T> of(T value) {
        return new Value<>(value);
    }

    /** A step that checks something and has nothing to hand on. */
    static Outcome<Void> passed() {
        return new Value<>(null);
    }

    static <T> Outcome<T> refused(Refusal refusal) {
        return new Refused<>(refusal);
    }

    /** The value, or a {@link Stop} that ends the enclosing {@link #steps} with this refusal. */
    default T orStop() throws Stop {
        return switch (this) {
            case Value<T> value -> value.value();
            case Refused<T> refused -> throw new Stop(refused.refusal());
        };
    }

    /** Ends the enclosing {@link #steps} with {@code refusal}: {@code throw Outcome.stop(...)}. */
    static Stop stop(Refusal refusal) {
        return new Stop(refusal);
    }

    /** Runs a sequence of steps: its value, or the refusal of the step that stopped it. */
    static <T> Outcome<T> steps(Steps<T> steps) {
        try {
            return of(steps.run());
        } catch (Stop stop) {
            return refused(stop.refusal);
        }
    }

    /** A sequence of steps, each taking its value with {@link #orStop()}. */
    @FunctionalInterface
    interface Steps<T> {
        T run() throws Stop;
    }

    /**
     * A refusal on its way out of a sequence of steps, to the {@link #steps} that started it; checked, so
     * that it cannot escape further. No stack trace: it is control flow, not a failure.
     */
    final class Stop extends Exception {
        private final transient Refusal refusal;

        private Stop(Refusal refusal) {
            super(refusal.reason().code(), null, false, false);
            this.refusal = refusal;
        }
    }
}
