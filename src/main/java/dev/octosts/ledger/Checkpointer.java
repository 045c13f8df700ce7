package dev.octosts.ledger;

import static dev.octosts.ledger.schema.Tables.LEDGER_CHECKPOINT;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Signs the head of one chain every {@code interval} and stores it in {@code ledger_checkpoint}, only
 * when the head moved since the last stored checkpoint; {@link #close()} stores a final one. A
 * checkpoint proves that the records up to its seq existed unchanged when it was signed, so deleting
 * or rewriting them later is caught by {@code audit verify}. With {@link LedgerAnchors}, each stored
 * checkpoint is followed by a signed head of every chain written outside the database.
 */
public final class Checkpointer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Checkpointer.class.getName());
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);

    private final DataSource runtime;
    private final CheckpointSigner signer;
    private final Supplier<ChainHead> head;
    private final Duration interval;
    private final Clock clock;
    private final String warningPerCheckpoint;
    private final LedgerAnchors anchors;
    private ScheduledExecutorService scheduler;
    private ChainHead lastStored;
    private boolean anchorDue;

    /**
     * @param runtime a data source as the runtime role (INSERT is all it needs)
     * @param head    the chain's durable head; only committed records may be checkpointed
     */
    public Checkpointer(DataSource runtime, CheckpointSigner signer, Supplier<ChainHead> head, Duration interval, Clock clock) {
        this(runtime, signer, head, interval, clock, null);
    }

    /**
     * @param warningPerCheckpoint logged as a warning with every stored checkpoint, null for none: a
     *                             checkpoint stored by a login that could also rewrite it proves less
     */
    public Checkpointer(DataSource runtime, CheckpointSigner signer, Supplier<ChainHead> head, Duration interval, Clock clock,
                        String warningPerCheckpoint) {
        this(runtime, signer, head, interval, clock, warningPerCheckpoint, null);
    }

    /**
     * @param anchors writes the head of every chain outside the database after each stored checkpoint;
     *                null for none
     */
    public Checkpointer(DataSource runtime, CheckpointSigner signer, Supplier<ChainHead> head, Duration interval, Clock clock,
                        String warningPerCheckpoint, LedgerAnchors anchors) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the checkpoint interval must be positive, got " + interval);
        }
        this.runtime = runtime;
        this.signer = signer;
        this.head = head;
        this.interval = interval;
        this.clock = clock;
        this.warningPerCheckpoint = warningPerCheckpoint;
        this.anchors = anchors;
    }

    public synchronized Checkpointer start() {
        if (scheduler != null) {
            throw new IllegalStateException("the checkpointer is already started");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(
                task -> Thread.ofPlatform().name("ledger-checkpoint").daemon().unstarted(task));
        long millis = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::checkpointOnSchedule, millis, millis, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Signs and stores the current head unless it is already checkpointed (or the chain is empty), then
     * anchors the heads of all chains if a checkpoint was stored since the last anchor.
     *
     * @throws org.jooq.exception.DataAccessException when the checkpoint cannot be stored
     * @throws RuntimeException                       when the anchor cannot be written (retried next time)
     */
    public synchronized void checkpointNow() {
        storeCheckpoint();
        if (anchors != null && anchorDue) {
            anchors.anchorNow();
            anchorDue = false;
        }
    }

    private void storeCheckpoint() {
        ChainHead current = head.get();
        if (current == null || current.seq() < 1 || current.equals(lastStored)) {
            return;
        }
        // timestamptz keeps microseconds: sign exactly what the row will hold.
        Instant signedAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
        String signature = signer.sign(current.chainId(), current.seq(), current.hash(), signedAt);
        DSL.using(runtime, SQLDialect.POSTGRES)
                .insertInto(LEDGER_CHECKPOINT)
                .set(LEDGER_CHECKPOINT.CHAIN_ID, current.chainId())
                .set(LEDGER_CHECKPOINT.SEQ, current.seq())
                .set(LEDGER_CHECKPOINT.HASH, current.hash())
                .set(LEDGER_CHECKPOINT.SIGNED_AT, signedAt.atOffset(ZoneOffset.UTC))
                .set(LEDGER_CHECKPOINT.KEY_ID, signer.keyId())
                .set(LEDGER_CHECKPOINT.SIGNATURE, signature)
                .execute();
        lastStored = current;
        anchorDue = true;
        if (warningPerCheckpoint != null) {
            LOG.log(System.Logger.Level.WARNING, "ledger checkpoint of chain " + current.chainId() + " at seq " + current.seq()
                    + " stored by a login that could rewrite it: " + warningPerCheckpoint);
        }
    }

    private void checkpointOnSchedule() {
        try {
            checkpointNow();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again; the next interval retries instead.
            LOG.log(System.Logger.Level.WARNING, "cannot store a ledger checkpoint or anchor, retrying in " + interval
                    + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * Stops the schedule and stores a final checkpoint of the head.
     *
     * @throws org.jooq.exception.DataAccessException when the final checkpoint cannot be stored
     */
    @Override
    public void close() {
        ScheduledExecutorService running;
        synchronized (this) {
            running = scheduler;
            scheduler = null;
        }
        if (running != null) {
            running.shutdown();
            try {
                running.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        checkpointNow();
    }
}
