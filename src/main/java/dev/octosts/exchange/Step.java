package dev.octosts.exchange;

/** A step's result: its value, or why the exchange ends there. */
record Step<T>(T value, Refusal refusal) {
    static <T> Step<T> of(T value) {
        return new Step<>(value, null);
    }

    static <T> Step<T> refused(Refusal refusal) {
        return new Step<>(null, refusal);
    }
}
