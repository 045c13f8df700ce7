package dev.octosts.ledger;

import dev.octosts.exchange.ExchangeRecorder.Receipt;
import dev.octosts.ledger.ChainInserter.Attempt;
import dev.octosts.ledger.ChainInserter.Outcome;
import dev.octosts.telemetry.Telemetry;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static dev.octosts.ledger.LedgerConnections.describe;
import static dev.octosts.ledger.LedgerConnections.sqlState;

/**
 * Commits the writer's batches and completes their appends. A batch the database refuses on its data
 * is committed in halves around the refused record, which is then stored
 * {@linkplain ReducedRecord reduced}; a database that does not answer fails the batch and starts a
 * back-off, during which batches fail at once. Data errors never start the back-off, so one record
 * can never fail another. Used by the ledger's writer thread only.
 */
final class BatchCommitter {
    /** Under the ledger's name: its outages and reduced records are the ledger's to report. */
    private static final System.Logger LOG = System.getLogger(Ledger.class.getName());
    private static final Duration MIN_BACKOFF = Duration.ofMillis(25);
    private static final Duration MAX_BACKOFF = Duration.ofMillis(500);

    private final ChainInserter inserter;
    private final UUID chainId;
    private final Telemetry telemetry;
    private int failures;
    private long retryAtNanos;
    /** Why the database did not answer the last time: what appends fail with while backing off. */
    private Exception outageCause;

    BatchCommitter(ChainInserter inserter, UUID chainId, Telemetry telemetry) {
        this.inserter = inserter;
        this.chainId = chainId;
        this.telemetry = telemetry;
    }

    void commit(List<PendingAppend> batch) {
        long started = System.nanoTime();
        if (failures > 0 && started - retryAtNanos < 0) {
            // Backing off after a failure: fail fast instead of hammering a database that is down.
            fail(batch, outageCause);
            return;
        }
        write(batch, started);
    }

    /**
     * Commits {@code records} in order. When the database refuses them on their data, each half is
     * written on its own, down to the one record refused alone, which is then stored reduced.
     *
     * @return false when the database stopped answering: then every record of {@code records} not yet
     *         committed has failed, and the back-off has started
     */
    private boolean write(List<PendingAppend> batch, long started) {
        // Appends whose callers gave up meanwhile are not retried.
        List<PendingAppend> records = batch.stream().filter(pending -> !pending.committed().isDone()).toList();
        if (records.isEmpty()) {
            return true;
        }
        Attempt attempt = inserter.commitWithRetries(records.stream().map(PendingAppend::entry).toList());
        if (attempt.outcome() == Outcome.COMMITTED) {
            committed(records, started);
            return true;
        }
        if (attempt.outcome() != Outcome.REFUSED) {
            outage(records, attempt.failure());
            return false;
        }
        if (records.size() == 1) {
            return writeReduced(records.getFirst(), started, attempt.failure());
        }
        List<PendingAppend> first = records.subList(0, records.size() / 2);
        List<PendingAppend> second = records.subList(records.size() / 2, records.size());
        if (!write(first, started)) {
            fail(second, outageCause);
            return false;
        }
        return write(second, started);
    }

    /** Stores a record the database refused as written in its reduced form; its append fails if even that is refused. */
    private boolean writeReduced(PendingAppend pending, long started, Exception refusedAsWritten) {
        String refusal = "SQLState " + sqlState(refusedAsWritten);
        LedgerEntry reduced;
        try {
            reduced = LedgerDocument.reducedEntry(pending.record(), chainId, refusal);
        } catch (RuntimeException e) {
            fail(List.of(pending), e);
            return true;
        }
        Attempt attempt = inserter.commitWithRetries(List.of(reduced));
        if (attempt.outcome() == Outcome.COMMITTED) {
            telemetry.ledgerRecordReduced();
            LOG.log(Level.WARNING, "ledger record {0} of chain {1} is stored reduced: the database refused it as written ({2})",
                    inserter.head().seq(), chainId, refusal);
            committed(List.of(pending), started);
            return true;
        }
        if (attempt.outcome() == Outcome.REFUSED) {
            LOG.log(Level.ERROR, "the database refused a ledger record even reduced; its append fails: {0}",
                    describe(attempt.failure()));
            fail(List.of(pending), attempt.failure());
            return true;
        }
        outage(List.of(pending), attempt.failure());
        return false;
    }

    /** {@code records} are the last records committed: the head moved past them. */
    private void committed(List<PendingAppend> records, long started) {
        ChainHead head = inserter.head();
        if (failures > 0) {
            LOG.log(Level.INFO, "ledger database reachable again; chain {0} continues at seq {1}", chainId, head.seq());
        }
        failures = 0;
        long ended = System.nanoTime();
        telemetry.ledgerCommitted(records.size(), ended - started);
        long seq = head.seq() - records.size();
        for (PendingAppend pending : records) {
            pending.committed().complete(new Receipt(chainId, ++seq, Duration.ofNanos(started - pending.enqueued()),
                    Duration.ofNanos(ended - started), records.size()));
        }
    }

    /** The database did not answer ({@code cause}): fail {@code records} and back off. */
    private void outage(List<PendingAppend> records, Exception cause) {
        outageCause = cause;
        if (failures == 0) {
            LOG.log(Level.WARNING, "ledger cannot commit; appends fail until the database answers: {0}",
                    describe(cause));
        }
        failures++;
        long backoff = Math.min(MAX_BACKOFF.toNanos(), MIN_BACKOFF.toNanos() << Math.min(failures - 1, 20));
        retryAtNanos = System.nanoTime() + backoff;
        fail(records, cause);
    }

    private void fail(List<PendingAppend> records, Exception cause) {
        telemetry.ledgerWriteFailed(records.size());
        records.forEach(pending -> pending.committed().completeExceptionally(cause));
    }
}
