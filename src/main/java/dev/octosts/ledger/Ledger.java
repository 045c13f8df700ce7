package dev.octosts.ledger;

import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.ExchangeRecorder;
import dev.octosts.telemetry.Telemetry;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.SQLDialect;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;
import org.postgresql.util.PSQLException;

import javax.sql.DataSource;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.octosts.ledger.schema.Tables.LEDGER_CHAIN;
import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

/**
 * The PostgreSQL audit ledger: one writer thread per process owns one chain and commits appends in
 * batches (group commit), each with {@code synchronous_commit = on}; every append waits for its own
 * batch. A full queue, a failed commit or an append not committed within
 * {@link LedgerSettings#appendTimeout()} fails the append, and the exchange fails closed.
 *
 * <p>A batch the database refuses on its data (SQLState class 22, 23 or 54: a value, a constraint or
 * a size limit, not an outage) is committed in halves around the refused record, which is then stored
 * {@linkplain LedgerDocument#reduced reduced}; only when even that is refused does its append fail.
 * Data errors never start the outage back-off, so one record can never fail another.
 *
 * <p>The caller owns {@code runtimeDataSource} (a pool logged in as a member of
 * {@code octo_sts_runtime}). For a 2-core host a HikariCP pool of 4 connections is plenty (the writer
 * holds one per batch; checkpoints and queries use the rest), with {@code connectionTimeout} at most the
 * append timeout (e.g. 2 s) so the writer notices an outage quickly, and pgjdbc's
 * {@code reWriteBatchedInserts=true} so a batch travels as multi-row INSERTs.
 */
public final class Ledger implements ExchangeRecorder, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Ledger.class.getName());
    private static final HexFormat HEX = HexFormat.of();
    private static final List<Field<?>> COLUMNS = List.of(LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ,
            LEDGER_RECORD.PREV_HASH, LEDGER_RECORD.HASH, LEDGER_RECORD.RECORDED_AT, LEDGER_RECORD.REQUEST_ID,
            LEDGER_RECORD.DECISION, LEDGER_RECORD.GRPC_CODE, LEDGER_RECORD.REASON, LEDGER_RECORD.SCOPE,
            LEDGER_RECORD.IDENTITY, LEDGER_RECORD.ISSUER, LEDGER_RECORD.SUBJECT, LEDGER_RECORD.TOKEN_SHA256,
            LEDGER_RECORD.CANONICAL);
    /** Rendered once; each batch binds it once per record. */
    private static final String INSERT_RECORD = DSL.using(SQLDialect.POSTGRES)
            .insertInto(LEDGER_RECORD, COLUMNS)
            .values(COLUMNS.stream().map(column -> DSL.param(column.getName(), column.getDataType())).toList())
            .getSQL(ParamType.INDEXED);
    /** Durability is set on every transaction, never left to the server or role default. */
    private static final String CONFIGURE_TRANSACTION =
            "select set_config('synchronous_commit', 'on', true), set_config('statement_timeout', ?, true)";
    private static final long IDLE_POLL_MILLIS = 50;
    private static final Duration MIN_BACKOFF = Duration.ofMillis(25);
    private static final Duration MAX_BACKOFF = Duration.ofMillis(500);
    /** Attempts of a batch whose failure came before anything was sent for it (e.g. a dead pooled connection). */
    private static final int ATTEMPTS_BEFORE_WRITING = 3;

    private final DataSource dataSource;
    private final LedgerSettings settings;
    private final Clock clock;
    private final BlockingQueue<Pending> queue;
    private final Thread writer;
    private final Telemetry telemetry;
    private volatile UUID chainId;
    private volatile ChainHead head;
    private volatile boolean closing;
    private volatile boolean writerDone;

    // Writer thread only.
    private final MessageDigest sha256;
    private byte[] headHash;
    private boolean headKnown = true;
    private int failures;
    private long retryAtNanos;
    private Exception lastFailure;

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
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
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
            configure(connection);
            DSL.using(connection, SQLDialect.POSTGRES).insertInto(LEDGER_CHAIN)
                    .set(LEDGER_CHAIN.CHAIN_ID, id)
                    .set(LEDGER_CHAIN.STARTED_AT, clock.instant().atOffset(ZoneOffset.UTC))
                    .set(LEDGER_CHAIN.HOST, LedgerDocument.sanitize(hostName()))
                    .set(LEDGER_CHAIN.PROCESS_ID, ProcessHandle.current().pid())
                    .execute();
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            throw new IllegalStateException("the ledger database cannot be reached or refused a new chain: " + describe(e), e);
        }
        head = ChainHead.empty(id);
        headHash = HEX.parseHex(head.hash());
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
        return head;
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
        Pending pending = new Pending(record, entry, System.nanoTime(), new CompletableFuture<>());
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
        LOG.log(Level.INFO, "ledger chain {0} closed at seq {1}", chainId, head == null ? 0 : head.seq());
    }

    private Receipt await(Pending pending) throws RecordingException {
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
        List<Pending> batch = new ArrayList<>(settings.maxBatch());
        try {
            while (true) {
                Pending first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
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
                    commit(batch);
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
    private void collect(Pending first, List<Pending> batch) {
        batch.add(first);
        queue.drainTo(batch, settings.maxBatch() - 1);
    }

    private void commit(List<Pending> batch) {
        long started = System.nanoTime();
        if (failures > 0 && started - retryAtNanos < 0) {
            // Backing off after a failure: fail fast instead of hammering a database that is down.
            fail(batch, lastFailure);
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
    private boolean write(List<Pending> batch, long started) {
        // Appends whose callers gave up meanwhile are not retried.
        List<Pending> records = batch.stream().filter(pending -> !pending.committed().isDone()).toList();
        if (records.isEmpty()) {
            return true;
        }
        Outcome outcome = commitWithRetries(records.stream().map(Pending::entry).toList());
        if (outcome == Outcome.COMMITTED) {
            committed(records, started);
            return true;
        }
        if (outcome != Outcome.REFUSED) {
            outage(records);
            return false;
        }
        if (records.size() == 1) {
            return writeReduced(records.getFirst(), started);
        }
        List<Pending> first = records.subList(0, records.size() / 2);
        List<Pending> second = records.subList(records.size() / 2, records.size());
        if (!write(first, started)) {
            fail(second, lastFailure);
            return false;
        }
        return write(second, started);
    }

    /** Stores a record the database refused as written in its reduced form; its append fails if even that is refused. */
    private boolean writeReduced(Pending pending, long started) {
        String refusal = "SQLState " + sqlState(lastFailure);
        LedgerEntry reduced;
        try {
            reduced = LedgerDocument.reducedEntry(pending.record(), chainId, refusal);
        } catch (RuntimeException e) {
            fail(List.of(pending), e);
            return true;
        }
        Outcome outcome = commitWithRetries(List.of(reduced));
        if (outcome == Outcome.COMMITTED) {
            telemetry.ledgerRecordReduced();
            LOG.log(Level.WARNING, "ledger record {0} of chain {1} is stored reduced: the database refused it as written ({2})",
                    head.seq(), chainId, refusal);
            committed(List.of(pending), started);
            return true;
        }
        if (outcome == Outcome.REFUSED) {
            LOG.log(Level.ERROR, "the database refused a ledger record even reduced; its append fails: {0}",
                    describe(lastFailure));
            fail(List.of(pending), lastFailure);
            return true;
        }
        outage(List.of(pending));
        return false;
    }

    private Outcome commitWithRetries(List<LedgerEntry> entries) {
        for (int attempt = 1; ; attempt++) {
            Outcome outcome = tryCommit(entries);
            if (outcome != Outcome.FAILED_BEFORE_WRITING || attempt >= ATTEMPTS_BEFORE_WRITING) {
                return outcome;
            }
        }
    }

    /** {@code records} are the last records committed: the head moved past them. */
    private void committed(List<Pending> records, long started) {
        if (failures > 0) {
            LOG.log(Level.INFO, "ledger database reachable again; chain {0} continues at seq {1}", chainId, head.seq());
        }
        failures = 0;
        long ended = System.nanoTime();
        telemetry.ledgerCommitted(records.size(), ended - started);
        long seq = head.seq() - records.size();
        for (Pending pending : records) {
            pending.committed().complete(new Receipt(chainId, ++seq, Duration.ofNanos(started - pending.enqueued()),
                    Duration.ofNanos(ended - started), records.size()));
        }
    }

    /** The database did not answer: fail {@code records} and back off. */
    private void outage(List<Pending> records) {
        if (failures == 0) {
            LOG.log(Level.WARNING, "ledger cannot commit; appends fail until the database answers: {0}",
                    describe(lastFailure));
        }
        failures++;
        long backoff = Math.min(MAX_BACKOFF.toNanos(), MIN_BACKOFF.toNanos() << Math.min(failures - 1, 20));
        retryAtNanos = System.nanoTime() + backoff;
        fail(records, lastFailure);
    }

    private enum Outcome {
        COMMITTED,
        /** The pool gave no connection (it already waited its connectionTimeout): not retried at once. */
        NO_CONNECTION,
        /** Failed before the batch was sent, e.g. on a pooled connection the server closed: safe to retry. */
        FAILED_BEFORE_WRITING,
        /** Failed while or after the batch was sent: whether it landed is unknown. */
        FAILED,
        /** The database answered that it refuses the batch's data: nothing landed. */
        REFUSED
    }

    /**
     * One transaction: (re-read the head if unknown), hash and insert the batch, commit. The in-memory
     * head moves only after a successful commit; after any failure it is re-read from the database,
     * since a commit whose outcome is unknown may or may not have landed.
     */
    private Outcome tryCommit(List<LedgerEntry> batch) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException | RuntimeException e) {
            lastFailure = e;
            return Outcome.NO_CONNECTION;
        }
        boolean writing = false;
        try (connection) {
            try {
                configure(connection);
                ChainHead start = headKnown ? head : readHead(connection);
                byte[] prev = headKnown ? headHash : HEX.parseHex(start.hash());
                String prevHex = start.hash();
                long seq = start.seq();
                try (PreparedStatement insert = connection.prepareStatement(INSERT_RECORD)) {
                    for (LedgerEntry entry : batch) {
                        seq++;
                        byte[] hash = hash(prev, entry, seq);
                        String hashHex = HEX.formatHex(hash);
                        bind(insert, entry, seq, prevHex, hashHex);
                        insert.addBatch();
                        prev = hash;
                        prevHex = hashHex;
                    }
                    writing = true;
                    headKnown = false;
                    insert.executeBatch();
                }
                connection.commit();
                head = new ChainHead(start.chainId(), seq, prevHex);
                headHash = prev;
                headKnown = true;
                return Outcome.COMMITTED;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            lastFailure = e;
            if (writing && refusedData(e)) {
                return Outcome.REFUSED;
            }
            return writing ? Outcome.FAILED : Outcome.FAILED_BEFORE_WRITING;
        }
    }

    private void configure(Connection connection) throws SQLException {
        long timeoutMillis = settings.appendTimeout().toMillis();
        connection.setAutoCommit(false);
        // A commit that hangs (network gone) must end, so the writer can re-read the head and go on.
        connection.setNetworkTimeout(Runnable::run, Math.toIntExact(Math.min(Integer.MAX_VALUE, timeoutMillis + 1000)));
        try (PreparedStatement statement = connection.prepareStatement(CONFIGURE_TRANSACTION)) {
            statement.setString(1, Long.toString(timeoutMillis));
            statement.execute();
        }
    }

    private ChainHead readHead(Connection connection) {
        UUID chain = chainId;
        Record2<Long, String> last = DSL.using(connection, SQLDialect.POSTGRES)
                .select(LEDGER_RECORD.SEQ, LEDGER_RECORD.HASH)
                .from(LEDGER_RECORD)
                .where(LEDGER_RECORD.CHAIN_ID.eq(chain))
                .orderBy(LEDGER_RECORD.SEQ.desc())
                .limit(1)
                .fetchOne();
        return last == null ? ChainHead.empty(chain) : new ChainHead(chain, last.value1(), last.value2());
    }

    private byte[] hash(byte[] prev, LedgerEntry entry, long seq) {
        sha256.update(prev);
        sha256.update(entry.headUtf8());
        sha256.update(Long.toString(seq).getBytes(StandardCharsets.US_ASCII));
        sha256.update(entry.tailUtf8());
        return sha256.digest();
    }

    private void bind(PreparedStatement insert, LedgerEntry entry, long seq, String prevHash, String hash)
            throws SQLException {
        insert.setObject(1, chainId);
        insert.setLong(2, seq);
        insert.setString(3, prevHash);
        insert.setString(4, hash);
        insert.setObject(5, entry.recordedAt());
        insert.setString(6, entry.requestId());
        insert.setString(7, entry.decision());
        insert.setInt(8, entry.grpcCode());
        insert.setString(9, entry.reason());
        insert.setString(10, entry.scope());
        insert.setString(11, entry.identity());
        insert.setString(12, entry.issuer());
        insert.setString(13, entry.subject());
        insert.setString(14, entry.tokenSha256());
        insert.setString(15, entry.canonical(seq));
    }

    private void fail(List<Pending> batch, Exception cause) {
        telemetry.ledgerWriteFailed(batch.size());
        batch.forEach(pending -> pending.committed().completeExceptionally(cause));
    }

    private void failQueued(Exception cause) {
        for (Pending pending; (pending = queue.poll()) != null; ) {
            pending.committed().completeExceptionally(cause);
        }
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; the pool discards it.
        }
    }

    /** The SQLState of a failed statement or batch, or null. */
    private static String sqlState(Throwable e) {
        if (e instanceof BatchUpdateException batch && batch.getNextException() != null) {
            e = batch.getNextException();
        }
        return e instanceof SQLException sql ? sql.getSQLState() : null;
    }

    /** Data exception (22), integrity constraint (23) or program limit (54): the server answered and refused the data. */
    private static boolean refusedData(Throwable e) {
        String state = sqlState(e);
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    /** A short cause for logs and messages: never the batch's bound values, which pgjdbc puts in its own. */
    private static String describe(Throwable e) {
        if (e instanceof BatchUpdateException batch && batch.getNextException() != null) {
            e = batch.getNextException();
        }
        if (e instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
            return "SQLState " + psql.getSQLState() + ": " + psql.getServerErrorMessage().getMessage();
        }
        if (e instanceof SQLException sql) {
            return e.getClass().getSimpleName() + " (SQLState " + sql.getSQLState() + "): " + e.getMessage();
        }
        return e == null ? "unknown" : e.getClass().getSimpleName() + ": " + e.getMessage();
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

    /**
     * @param record   kept to make the reduced form should the database refuse {@code entry}
     * @param enqueued {@link System#nanoTime()} of the append
     */
    private record Pending(ExchangeRecord record, LedgerEntry entry, long enqueued, CompletableFuture<Receipt> committed) {
    }
}
