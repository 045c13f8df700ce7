package dev.octosts.ledger;

import java.time.Duration;
import java.util.Objects;

/**
 * How the ledger writer batches and how long an append may wait.
 *
 * @param queueCapacity appends that may wait for the writer; one more is refused at once (503), so a slow
 *                      database never turns into unbounded memory
 * @param maxBatch      records committed in one transaction at most
 * @param maxBatchWait  how long the writer waits for more records once it holds one; a batch closes after
 *                      this or {@code maxBatch} records, whichever comes first
 * @param appendTimeout an append not committed by then fails (the exchange then revokes its token)
 */
public record LedgerSettings(int queueCapacity, int maxBatch, Duration maxBatchWait, Duration appendTimeout) {

    public LedgerSettings {
        Objects.requireNonNull(maxBatchWait, "maxBatchWait");
        Objects.requireNonNull(appendTimeout, "appendTimeout");
        if (queueCapacity < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("queueCapacity and maxBatch must be at least 1");
        }
        if (maxBatchWait.isNegative() || !appendTimeout.isPositive()) {
            throw new IllegalArgumentException("maxBatchWait must not be negative and appendTimeout must be positive");
        }
    }

    public static LedgerSettings defaults() {
        return new LedgerSettings(10_000, 512, Duration.ofMillis(2), Duration.ofSeconds(5));
    }
}
