package dev.octosts.ledger;

import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.ExchangeRecorder.Receipt;

import java.util.concurrent.CompletableFuture;

/**
 * An append waiting for its commit.
 *
 * @param record   kept to make the reduced form should the database refuse {@code entry}
 * @param enqueued {@link System#nanoTime()} of the append
 */
record PendingAppend(ExchangeRecord record, LedgerEntry entry, long enqueued, CompletableFuture<Receipt> committed) {
}
