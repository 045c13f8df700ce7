package dev.octosts.ledger;

import java.time.Duration;
import java.util.Objects;

/**
 * How the ledger writer batches and how long an append may wait.
 *
 * @param queueCapacity appends that may wait for the writer; one more is refused at once (503), so a slow
 *                      database never turns into unbounded memory
 * @param maxBatch      records committed in one transaction at most
 * @param appendTimeout an append not committed by then fails (the exchange then revokes its token)
 */
public record LedgerSettings(int queueCapacity, int maxBatch, Duration appendTimeout) {

    public LedgerSettings {
        Objects.requireNonNull(appendTimeout, "appendTimeout");
        if (queueCapacity < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("queueCapacity and maxBatch must be at least 1");
        }
        if (!appendTimeout.isPositive()) {
            throw new IllegalArgumentException("appendTimeout must be positive");
        }
    }

    public static LedgerSettings defaults() {
        return new LedgerSettings(10_000, 512, Duration.ofSeconds(5));
    }
}
