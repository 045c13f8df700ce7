package dev.octosts.ledger;

import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.ExchangeRecorder;
import dev.octosts.telemetry.Telemetry;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

import javax.sql.DataSource;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.octosts.ledger.LedgerConnections.configure;
import static dev.octosts.ledger.LedgerConnections.describe;
import static dev.octosts.ledger.schema.Tables.LEDGER_CHAIN;

/**
 * The PostgreSQL audit ledger: one writer thread per process owns one chain and commits appends in
 * batches (group commit), each with {@code synchronous_commit = on}; every append waits for its own
 * batch. A full queue, a failed commit or an append not committed within
 * {@link LedgerSettings#appendTimeout()} fails the append, and the exchange fails closed.
 *
 * <p>A batch the database refuses on its data (SQLState class 22, 23 or 54: a value, a constraint or
 * a size limit, not an outage) is committed in halves around the refused record, which is then stored
 * {@linkplain ReducedRecord reduced}; only when even that is refused does its append fail.
 * Data errors never start the outage back-off, so one record can never fail another
 * ({@link BatchCommitter}).
 *
 * <p>The caller owns {@code runtimeDataSource} (a pool logged in as a member of
 * {@code octo_sts_runtime}). For a 2-core host a HikariCP pool of 4 connections is plenty (the writer
 * holds one per batch; checkpoints and queries use the rest), with {@code connectionTimeout} at most the
 * append timeout (e.g. 2 s) so the writer notices an outage quickly, and pgjdbc's
 * {@code reWriteBatchedInserts=true} so a batch travels as multi-row INSERTs.
 */
public final class Ledger implements ExchangeRecorder, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Ledger.class.getName());
    private static final long IDLE_POLL_MILLIS = 50;

    private final DataSource dataSource;
    private final LedgerSettings settings;
    private final Clock clock;
    private final BlockingQueue<PendingAppend> queue;
    private final Thread writer;
    private final Telemetry telemetry;
    private volatile UUID chainId;
    private volatile ChainInserter inserter;
    private volatile boolean closing;
    private volatile boolean writerDone;

    // Set before the writer starts; writer thread only.
    private BatchCommitter committer;

    public Ledger(DataSource runtimeDataSource, LedgerSettings settings, Clock clock) {
        this(runtimeDataSource, settings, clock, Telemetry.off());
    }

    public Ledger(DataSource runtimeDataSource, LedgerSettings settings, Clock clock, Telemetry telemetry) {
        this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
        this.dataSource = Objects.requireNonNull(runtimeDataSource, "runtimeDataSource");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.writer = Thread.ofPlatform().name("ledger-writer").daemon().unstarted(this::runWriter);
    }

    /**
     * Registers a new chain for this process and starts the writer.
     *
     * @throws IllegalStateException when the database cannot be reached or refuses the chain
     */
    public synchronized Ledger start() {
        if (chainId != null) {
            throw new IllegalStateException("the ledger is already started");
        }
        UUID id = UUID.randomUUID();
        try (Connection connection = dataSource.getConnection()) {
            configure(connection, settings.appendTimeout());
            DSL.using(connection, SQLDialect.POSTGRES).insertInto(LEDGER_CHAIN)
                    .set(LEDGER_CHAIN.CHAIN_ID, id)
                    .set(LEDGER_CHAIN.STARTED_AT, clock.instant().atOffset(ZoneOffset.UTC))
                    .set(LEDGER_CHAIN.HOST, LedgerText.sanitize(hostName()))
                    .set(LEDGER_CHAIN.PROCESS_ID, ProcessHandle.current().pid())
                    .execute();
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            throw new IllegalStateException("the ledger database cannot be reached or refused a new chain: " + describe(e), e);
        }
        inserter = new ChainInserter(dataSource, settings.appendTimeout(), id);
        committer = new BatchCommitter(inserter, id, telemetry);
        chainId = id;
        writer.start();
        LOG.log(Level.INFO, "ledger chain {0} started", id);
        return this;
    }

    public UUID chainId() {
        return requireStarted();
    }

    /** The last committed record of this process's chain (seq 0 when none yet). */
    public ChainHead head() {
        requireStarted();
        return inserter.head();
    }

    /** Returns once the record is committed; safe to call from many threads at once. */
    @Override
    public Receipt append(ExchangeRecord record) throws RecordingException {
        UUID chain = requireStarted();
        if (closing) {
            throw new RecordingException("ledger closed", null);
        }
        LedgerEntry entry;
        try {
            entry = LedgerDocument.entry(record, chain);
        } catch (RuntimeException e) {
            throw new RecordingException("exchange record cannot be made a ledger document", e);
        }
        PendingAppend pending = new PendingAppend(record, entry, System.nanoTime(), new CompletableFuture<>());
        if (!queue.offer(pending)) {
            telemetry.ledgerWriteFailed(1);
            throw new RecordingException("ledger queue full", null);
        }
        if (writerDone) {
            pending.committed().completeExceptionally(new IllegalStateException("ledger closed"));
        }
        return await(pending);
    }

    public int queueDepth() {
        return queue.size();
    }

    /** Refuses new appends, commits what is queued (waiting at most about an append timeout) and stops the writer. */
    @Override
    public void close() {
        closing = true;
        if (!writer.isAlive()) {
            return;
        }
        try {
            writer.join(settings.appendTimeout().plusSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
            failQueued(new IllegalStateException("ledger closed before the record was committed"));
        }
        LOG.log(Level.INFO, "ledger chain {0} closed at seq {1}", chainId, inserter == null ? 0 : inserter.head().seq());
    }

    private Receipt await(PendingAppend pending) throws RecordingException {
        CompletableFuture<Receipt> committed = pending.committed();
        try {
            return committed.get(settings.appendTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // The writer skips an append that timed out before it was taken; one it already holds may
            // still commit, which leaves a record of a refused exchange, never a token without a record.
            if (committed.completeExceptionally(e)) {
                throw new RecordingException("ledger append not committed within " + settings.appendTimeout(), null);
            }
            return await(pending);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            committed.completeExceptionally(e);
            throw new RecordingException("interrupted while waiting for the ledger", e);
        } catch (ExecutionException e) {
            throw new RecordingException("ledger record not committed: " + describe(e.getCause()), e.getCause());
        }
    }

    private void runWriter() {
        List<PendingAppend> batch = new ArrayList<>(settings.maxBatch());
        try {
            while (true) {
                PendingAppend first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing) {
                        return;
                    }
                    continue;
                }
                collect(first, batch);
                // Appends whose callers gave up (timed out) are not written.
                batch.removeIf(pending -> pending.committed().isDone());
                if (!batch.isEmpty()) {
                    committer.commit(batch);
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "ledger writer stopped: " + e.getClass().getName(), e);
            batch.forEach(pending -> pending.committed().completeExceptionally(e));
        } finally {
            writerDone = true;
            failQueued(new IllegalStateException("ledger closed"));
        }
    }

    /**
     * The batch is what waits when the writer is free, up to maxBatch appends: group commit without a
     * timer. Appends that arrive during a commit form the next batch, so batches grow with the load and
     * an append alone is never held back waiting for company.
     */
    private void collect(PendingAppend first, List<PendingAppend> batch) {
        batch.add(first);
        queue.drainTo(batch, settings.maxBatch() - 1);
    }

    private void failQueued(Exception cause) {
        for (PendingAppend pending; (pending = queue.poll()) != null; ) {
            pending.committed().completeExceptionally(cause);
        }
    }

    private UUID requireStarted() {
        UUID chain = chainId;
        if (chain == null) {
            throw new IllegalStateException("the ledger is not started");
        }
        return chain;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return Objects.requireNonNullElse(System.getenv("HOSTNAME"), "unknown");
        }
    }
}
