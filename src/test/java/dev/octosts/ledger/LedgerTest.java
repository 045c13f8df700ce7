package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.octosts.dev.LocalPostgres;
import dev.octosts.exchange.Decision;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.ExchangeRecorder.RecordingException;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The group-commit writer against a real PostgreSQL, always as a runtime-role login. */
class LedgerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void appendsFromManyVirtualThreadsFormOneContiguousVerifiableChain() throws Exception {
        Database database = Database.fresh();
        int threads = 50;
        int perThread = 80;
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start()) {
            assertThat(ledger.head()).isEqualTo(ChainHead.empty(ledger.chainId()));

            long started = System.nanoTime();
            try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> appenders = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    appenders.add(executor.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            ledger.append(record("t" + thread + "-" + i, i % 3 == 0));
                        }
                        return null;
                    }));
                }
                for (Future<?> appender : appenders) {
                    appender.get();
                }
            }
            long elapsedNanos = System.nanoTime() - started;
            int total = threads * perThread;
            System.out.printf("ledger: %d appends from %d virtual threads in %d ms = %.0f appends/s%n",
                    total, threads, TimeUnit.NANOSECONDS.toMillis(elapsedNanos), total / (elapsedNanos / 1e9));

            List<Row> rows = database.chain(ledger.chainId());
            assertThat(rows).hasSize(total);
            verifyChain(ledger.chainId(), rows);
            assertThat(ledger.head()).isEqualTo(new ChainHead(ledger.chainId(), total, rows.getLast().hash()));
            // Every append is there once, and one thread's appends are in the order it made them.
            Map<String, Long> seqByRequest = new HashMap<>();
            rows.forEach(row -> seqByRequest.put(row.column("request_id"), row.seq()));
            assertThat(seqByRequest).hasSize(total);
            for (int t = 0; t < threads; t++) {
                for (int i = 1; i < perThread; i++) {
                    assertThat(seqByRequest.get("t" + t + "-" + i)).isGreaterThan(seqByRequest.get("t" + t + "-" + (i - 1)));
                }
            }
            assertThat(database.chains()).containsExactly(ledger.chainId());
            assertThat(ledger.queueDepth()).isZero();
        }
    }

    @Test
    void twoLedgersOnOneDatabaseKeepTwoChains() throws Exception {
        Database database = Database.fresh();
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger first = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start();
             Ledger second = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start()) {
            assertThat(first.chainId()).isNotEqualTo(second.chainId());
            try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> appenders = new ArrayList<>();
                for (int t = 0; t < 20; t++) {
                    Ledger ledger = t % 2 == 0 ? first : second;
                    int thread = t;
                    appenders.add(executor.submit(() -> {
                        for (int i = 0; i < 50; i++) {
                            ledger.append(record("t" + thread + "-" + i, true));
                        }
                        return null;
                    }));
                }
                for (Future<?> appender : appenders) {
                    appender.get();
                }
            }

            assertThat(database.chains()).containsExactlyInAnyOrder(first.chainId(), second.chainId());
            for (Ledger ledger : List.of(first, second)) {
                List<Row> rows = database.chain(ledger.chainId());
                assertThat(rows).hasSize(500);
                verifyChain(ledger.chainId(), rows);
                assertThat(ledger.head().seq()).isEqualTo(500);
            }
        }
    }

    @Test
    void anOutageFailsAppendsAndTheChainContinuesAfterRestart() throws Exception {
        LedgerSettings settings = new LedgerSettings(1_000, 64, Duration.ofSeconds(3));
        try (LocalPostgres postgres = LocalPostgres.start()) {
            String ownerUrl = postgres.jdbcUrl("postgres");
            Migrations.migrate(ownerUrl);
            String runtimeUrl = runtimeLogin(ownerUrl);
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            AtomicLong longestAppendNanos = new AtomicLong();
            AtomicInteger sequence = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean(true);

            try (HikariDataSource pool = pool(runtimeUrl);
                 Ledger ledger = new Ledger(pool, settings, Clock.systemUTC()).start()) {
                List<Thread> appenders = new ArrayList<>();
                for (int t = 0; t < 20; t++) {
                    appenders.add(Thread.ofVirtual().start(() -> {
                        while (running.get()) {
                            String requestId = "r" + sequence.incrementAndGet();
                            long started = System.nanoTime();
                            try {
                                ledger.append(record(requestId, true));
                                acknowledged.add(requestId);
                            } catch (RecordingException e) {
                                failures.add(e);
                                pause(20);
                            } catch (RuntimeException e) {
                                failures.add(e);
                            } finally {
                                longestAppendNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
                            }
                        }
                    }));
                }
                awaitTrue(() -> acknowledged.size() >= 200);
                postgres.stop();
                int failuresAtStop = failures.size();
                awaitTrue(() -> failures.size() >= failuresAtStop + 50);
                int acknowledgedWhileDown = acknowledged.size();
                postgres.restart();
                awaitTrue(() -> acknowledged.size() >= acknowledgedWhileDown + 200);
                running.set(false);
                for (Thread appender : appenders) {
                    assertThat(appender.join(settings.appendTimeout().plusSeconds(5))).isTrue();
                }

                assertThat(failures).isNotEmpty().allSatisfy(failure -> assertThat(failure).isInstanceOf(RecordingException.class));
                // No append hung: each one returned or failed within about the append timeout.
                assertThat(Duration.ofNanos(longestAppendNanos.get())).isLessThan(settings.appendTimeout().plusSeconds(5));

                List<Row> rows = new Database(ownerUrl, runtimeUrl).chain(ledger.chainId());
                verifyChain(ledger.chainId(), rows);
                assertThat(ledger.head()).isEqualTo(new ChainHead(ledger.chainId(), rows.size(), rows.getLast().hash()));
                // Fail closed: every acknowledged append is in the ledger. (A failed one may be there too,
                // when its commit landed but the answer was lost.)
                Set<String> stored = ConcurrentHashMap.newKeySet();
                rows.forEach(row -> stored.add(row.column("request_id")));
                assertThat(stored).containsAll(acknowledged);
            }
        }
    }

    // --- faults: what the faulted append is told, and what the chain holds afterwards ----------------------

    /**
     * One injected fault. {@code scenario} drives a ledger into it and returns the message of the append the
     * fault hits (null when that append succeeds); the chain is then read back from the database.
     * {@code error} is a regular expression the whole message matches.
     */
    record Fault(String name, Scenario scenario, String error, List<String> chain) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface Scenario {
        /** Runs the fault against a fresh database; returns the faulted append's error message and the chain. */
        Outcome run(Database database) throws Exception;
    }

    record Outcome(String error, UUID chainId) {
    }

    static List<Fault> faults() {
        return List.of(
                new Fault("a commit that fails after it was sent: the head is re-read before the next batch",
                        // The statement timeout and the caller's wait are both the append timeout: either ends first.
                        LedgerTest::failedCommitWhileARecordLands,
                        "ledger (record not committed: SQLState 57014: .*|append not committed within PT1S)",
                        List.of("a", "b", "c-landed", "d")),
                new Fault("the queue is full while the database is blocked: refused at once",
                        LedgerTest::fullQueue, "ledger queue full", List.of("in-flight", "queued-1", "queued-2")),
                new Fault("close while appends are queued: they commit, later ones are refused",
                        LedgerTest::closeWithAppendsQueued, "ledger closed",
                        List.of("queued-0", "queued-1", "queued-2", "queued-3", "queued-4")),
                new Fault("no connection within the append timeout: the caller gives up, the taken record still lands",
                        LedgerTest::appendTimeout, "ledger append not committed within PT1S", List.of("taken", "after")),
                new Fault("the caller is interrupted while it waits: its queued record is never written",
                        LedgerTest::interruptedWhileWaiting, "interrupted while waiting for the ledger", List.of("taken", "after")),
                new Fault("the writer thread dies: its batch fails, and so does every later append",
                        LedgerTest::writerDeath, "ledger record not committed: IllegalStateException: ledger closed", List.of()),
                new Fault("the server closed the pooled connection: the batch is written on another",
                        LedgerTest::connectionClosedByTheServer, null, List.of("a", "b")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void aFaultFailsOnlyTheAppendsItHitsAndTheChainStaysVerifiable(Fault fault) throws Exception {
        Database database = Database.fresh();

        Outcome outcome = fault.scenario().run(database);

        if (fault.error() == null) {
            assertThat(outcome.error()).as("the append succeeds").isNull();
        } else {
            assertThat(outcome.error()).as("the faulted append's error").isNotNull().matches(fault.error());
        }
        List<Row> rows = database.chain(outcome.chainId());
        verifyChain(outcome.chainId(), rows);
        assertThat(rows).extracting(row -> row.column("request_id")).containsExactlyElementsOf(fault.chain());
    }

    private static Outcome failedCommitWhileARecordLands(Database database) throws Exception {
        LedgerSettings settings = new LedgerSettings(100, 16, Duration.ofSeconds(1));
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, settings, Clock.systemUTC()).start();
             Connection owner = DriverManager.getConnection(database.ownerUrl());
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            ledger.append(record("a", true));
            ledger.append(record("b", false));
            ChainHead before = ledger.head();
            // The writer's insert waits on a lock until its statement timeout: the batch fails after
            // it was sent. Meanwhile a record for seq 3 lands, as when a commit's answer is lost.
            owner.setAutoCommit(false);
            owner.createStatement().execute("LOCK TABLE ledger_record IN ACCESS EXCLUSIVE MODE");
            Future<?> failing = executor.submit(() -> appendOrThrow(ledger, "c"));
            waitForLockWaiter(database);
            String error = errorOf(failing);
            insertNextRecord(owner, ledger.chainId(), before, record("c-landed", true));
            owner.commit();
            assertThat(ledger.head()).isEqualTo(before);
            // After a failure the writer backs off for a while, failing appends fast: retry until one lands,
            // however long the back-off is.
            appendOnceTheWriterTakesAppendsAgain(ledger, record("d", true));
            assertThat(ledger.head().seq()).isEqualTo(4);
            return new Outcome(error, ledger.chainId());
        }
    }

    private static Outcome fullQueue(Database database) throws Exception {
        LedgerSettings settings = new LedgerSettings(2, 1, Duration.ofSeconds(30));
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, settings, Clock.systemUTC()).start();
             Connection blocker = DriverManager.getConnection(database.ownerUrl());
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("LOCK TABLE ledger_record IN ACCESS EXCLUSIVE MODE");
            List<Future<?>> appends = new ArrayList<>();
            appends.add(executor.submit(() -> appendOrThrow(ledger, "in-flight")));
            waitForLockWaiter(database);
            for (String requestId : List.of("queued-1", "queued-2")) {
                appends.add(executor.submit(() -> appendOrThrow(ledger, requestId)));
                int queued = appends.size() - 1;
                awaitTrue(() -> ledger.queueDepth() == queued);
            }
            String error = errorOf(() -> ledger.append(record("one-too-many", false)));
            // Refused while the database was still blocked: the refusal did not wait for a commit.
            assertThat(appends.getFirst().isDone()).isFalse();
            blocker.rollback();
            for (Future<?> append : appends) {
                append.get();
            }
            return new Outcome(error, ledger.chainId());
        }
    }

    private static Outcome closeWithAppendsQueued(Database database) throws Exception {
        LedgerSettings settings = new LedgerSettings(100, 1, Duration.ofSeconds(30));
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Connection blocker = DriverManager.getConnection(database.ownerUrl());
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Ledger ledger = new Ledger(pool, settings, Clock.systemUTC()).start();
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("LOCK TABLE ledger_record IN ACCESS EXCLUSIVE MODE");
            List<Future<?>> appends = new ArrayList<>();
            appends.add(executor.submit(() -> appendOrThrow(ledger, "queued-0")));
            waitForLockWaiter(database);
            for (int i = 1; i < 5; i++) {
                String requestId = "queued-" + i;
                appends.add(executor.submit(() -> appendOrThrow(ledger, requestId)));
                int queued = i;
                awaitTrue(() -> ledger.queueDepth() == queued);
            }
            // The database unblocks only while close() is already waiting for the queue to drain.
            Future<?> unblock = executor.submit(() -> {
                pause(300);
                blocker.rollback();
                return null;
            });
            ledger.close();
            unblock.get();
            for (Future<?> append : appends) {
                append.get();
            }
            return new Outcome(errorOf(() -> ledger.append(record("late", true))), ledger.chainId());
        }
    }

    /** The writer waits for the pool's only connection, which the test holds, longer than the append timeout. */
    private static Outcome appendTimeout(Database database) throws Exception {
        LedgerSettings settings = new LedgerSettings(100, 16, Duration.ofSeconds(1));
        try (HikariDataSource pool = onlyConnectionPool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, settings, Clock.systemUTC()).start();
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> taken;
            Future<?> queued;
            try (Connection held = pool.getConnection()) {
                taken = executor.submit(() -> appendOrThrow(ledger, "taken"));
                awaitTrue(() -> pool.getHikariPoolMXBean().getThreadsAwaitingConnection() == 1);
                queued = executor.submit(() -> appendOrThrow(ledger, "queued"));
                awaitTrue(() -> taken.isDone() && queued.isDone());
                assertThat(held.isValid(1)).isTrue();
            }
            String error = errorOf(taken);
            assertThat(errorOf(queued)).isEqualTo(error);
            // The writer holds the first record and commits it once it has a connection: a record of a
            // refused exchange, never a token without one. The queued one it skips.
            appendOnceTheWriterTakesAppendsAgain(ledger, record("after", true));
            return new Outcome(error, ledger.chainId());
        }
    }

    private static Outcome interruptedWhileWaiting(Database database) throws Exception {
        LedgerSettings settings = new LedgerSettings(100, 16, Duration.ofSeconds(30));
        try (HikariDataSource pool = onlyConnectionPool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, settings, Clock.systemUTC()).start();
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> taken;
            java.util.concurrent.CompletableFuture<String> interruptedError = new java.util.concurrent.CompletableFuture<>();
            try (Connection held = pool.getConnection()) {
                taken = executor.submit(() -> appendOrThrow(ledger, "taken"));
                awaitTrue(() -> pool.getHikariPoolMXBean().getThreadsAwaitingConnection() == 1);
                Thread waiting = Thread.ofVirtual().start(() -> interruptedError.complete(errorOf(
                        () -> ledger.append(record("interrupted", true)))));
                awaitTrue(() -> ledger.queueDepth() == 1);
                waiting.interrupt();
                assertThat(waiting.join(Duration.ofSeconds(30))).isTrue();
                assertThat(held.isValid(1)).isTrue();
            }
            taken.get();
            ledger.append(record("after", true));
            return new Outcome(interruptedError.get(), ledger.chainId());
        }
    }

    /** The pool hands the writer an Error instead of a connection, as a bug or a VM error would. */
    private static Outcome writerDeath(Database database) throws Exception {
        AtomicBoolean broken = new AtomicBoolean();
        try (HikariDataSource pool = new HikariDataSource(poolConfig(database.runtimeUrl())) {
                @Override
                public Connection getConnection() throws SQLException {
                    if (broken.get()) {
                        throw new AssertionError("injected writer failure");
                    }
                    return super.getConnection();
                }
             };
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start()) {
            broken.set(true);
            assertThat(errorOf(() -> ledger.append(record("dies-with-the-writer", true))))
                    .isEqualTo("ledger record not committed: AssertionError: injected writer failure");
            broken.set(false);
            return new Outcome(errorOf(() -> ledger.append(record("after-death", true))), ledger.chainId());
        }
    }

    private static Outcome connectionClosedByTheServer(Database database) throws Exception {
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start();
             Connection owner = DriverManager.getConnection(database.ownerUrl());
             Statement sql = owner.createStatement()) {
            ledger.append(record("a", true));
            // As a failover does: the server ends the service's sessions, and the pool, which used its
            // connection a moment ago, hands it out again without checking it.
            try (ResultSet ended = sql.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))"
                    + " FROM pg_stat_activity WHERE datname = current_database() AND usename <> current_user")) {
                ended.next();
                assertThat(ended.getLong(1)).isPositive();
            }
            String error = errorOf(() -> assertThat(ledger.append(record("b", true)).seq()).isEqualTo(2));
            return new Outcome(error, ledger.chainId());
        }
    }

    @FunctionalInterface
    private interface Append {
        void run() throws RecordingException;
    }

    /** The message of the RecordingException the append ends with, or null when it succeeds. */
    private static String errorOf(Append append) {
        try {
            append.run();
            return null;
        } catch (RecordingException e) {
            return e.getMessage();
        }
    }

    private static String errorOf(Future<?> append) throws InterruptedException {
        try {
            append.get();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(RecordingException.class);
            return e.getCause().getMessage();
        }
    }

    /** One connection, and a writer that waits up to 60 s for it. */
    private static HikariDataSource onlyConnectionPool(String jdbcUrl) {
        HikariConfig config = poolConfig(jdbcUrl);
        config.setMaximumPoolSize(1);
        config.setConnectionTimeout(60_000);
        config.setRegisterMbeans(false);
        return new HikariDataSource(config);
    }

    @Test
    void startFailsClearlyWhenTheDatabaseCannotBeReached() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        HikariConfig config = poolConfig("jdbc:postgresql://127.0.0.1:" + closedPort + "/octosts?user=nobody");
        config.setInitializationFailTimeout(-1);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC());
            assertThatThrownBy(ledger::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("the ledger database cannot be reached");
            assertThatThrownBy(() -> ledger.append(record("x", true)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
        }
    }

    // --- the chain as a verifier sees it -------------------------------------------------------------------

    /** Seq 1..N, prev_hash links, each hash recomputed from its row, columns equal to document fields. */
    private static void verifyChain(UUID chainId, List<Row> rows) throws Exception {
        String prev = ChainHead.EMPTY_HASH;
        long seq = 0;
        for (Row row : rows) {
            seq++;
            assertThat(row.seq()).isEqualTo(seq);
            assertThat(row.column("prev_hash")).isEqualTo(prev);
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(HEX.parseHex(prev));
            sha256.update(row.column("canonical").getBytes(StandardCharsets.UTF_8));
            assertThat(row.column("hash")).isEqualTo(HEX.formatHex(sha256.digest()));

            JsonNode document = JSON.readTree(row.column("canonical"));
            assertThat(CanonicalJson.of(document)).isEqualTo(row.column("canonical"));
            assertThat(document.get("v").intValue()).isEqualTo(1);
            assertThat(document.get("chain_id").textValue()).isEqualTo(chainId.toString());
            assertThat(document.get("seq").longValue()).isEqualTo(seq);
            assertThat(row.column("recorded_at")).isEqualTo(document.get("time").textValue());
            for (String field : List.of("request_id", "decision", "reason", "scope", "identity")) {
                assertThat(row.column(field)).as(field).isEqualTo(document.get(field).textValue());
            }
            assertThat(row.column("grpc_code")).isEqualTo(document.get("grpc_code").asText());
            assertThat(row.column("issuer")).isEqualTo(document.at("/actor/iss").textValue());
            assertThat(row.column("subject")).isEqualTo(document.at("/actor/sub").textValue());
            assertThat(row.column("token_sha256")).isEqualTo(document.at("/issued/token_sha256").textValue());
            prev = row.column("hash");
        }
    }

    /** Appends {@code record} after {@code head} the way the writer would, on the given connection. */
    private static void insertNextRecord(Connection connection, UUID chainId, ChainHead head, ExchangeRecord record)
            throws Exception {
        LedgerEntry entry = LedgerDocument.entry(record, chainId);
        long seq = head.seq() + 1;
        String canonical = entry.canonical(seq);
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(HEX.parseHex(head.hash()));
        String hash = HEX.formatHex(sha256.digest(canonical.getBytes(StandardCharsets.UTF_8)));
        try (var insert = connection.prepareStatement("INSERT INTO ledger_record (chain_id, seq, prev_hash, hash,"
                + " recorded_at, request_id, decision, grpc_code, reason, scope, identity, issuer, subject,"
                + " token_sha256, canonical) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            Object[] values = {chainId, seq, head.hash(), hash, entry.recordedAt(), entry.requestId(), entry.decision(),
                    entry.grpcCode(), entry.reason(), entry.scope(), entry.identity(), entry.issuer(), entry.subject(),
                    entry.tokenSha256(), canonical};
            for (int i = 0; i < values.length; i++) {
                insert.setObject(i + 1, values[i]);
            }
            insert.executeUpdate();
        }
    }

    /** A record as the exchange makes it; allowed ones carry an issued token's hash. */
    private static ExchangeRecord record(String requestId, boolean allowed) {
        ExchangeRecord.Actor actor = new ExchangeRecord.Actor("https://token.actions.githubusercontent.com",
                "repo:octo-org/app:ref:refs/heads/main", List.of("octo-sts"), requestId + "-jti",
                Map.of("repository", "octo-org/app", "run_id", "42"));
        if (!allowed) {
            return new ExchangeRecord(Instant.now(), requestId, "127.0.0.1", "test\u0000agent", "octo-org/app", "ci",
                    actor, Decision.DENY, GrpcCode.PERMISSION_DENIED, "subject_mismatch", "no match", null, null, null, null, null, null);
        }
        return new ExchangeRecord(Instant.now(), requestId, "127.0.0.1", "test", "octo-org/app", "ci", actor,
                Decision.ALLOW, GrpcCode.OK, "issued", "", null,
                new ExchangeRecord.PolicySource("octo-org", "app", ".github/chainguard/ci.sts.yaml", "f".repeat(40),
                        "e".repeat(64), null),
                null,
                new ExchangeRecord.Issued(1, 2, List.of("app"), Map.of("contents", "read"),
                        Instant.now().plusSeconds(3600), sha256Hex(requestId)), null, null);
    }

    /** Appends {@code record}, retrying while the writer fails appends fast (its back-off); bounded by 60 s. */
    private static void appendOnceTheWriterTakesAppendsAgain(Ledger ledger, ExchangeRecord record) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                ledger.append(record);
                return;
            } catch (RecordingException backingOff) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the ledger still fails appends after 60 s", backingOff);
                }
                pause(5);
            }
        }
    }

    private static Void appendOrThrow(Ledger ledger, String requestId) throws RecordingException {
        ledger.append(record(requestId, true));
        return null;
    }

    private static String sha256Hex(String text) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- databases and pools -------------------------------------------------------------------------------

    /** Pool settings suggested for a 2-core host: 4 connections, and an outage noticed within a second. */
    private static HikariConfig poolConfig(String jdbcUrl) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(1_000);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        return config;
    }

    private static HikariDataSource pool(String jdbcUrl) {
        return new HikariDataSource(poolConfig(jdbcUrl));
    }

    private static String runtimeLogin(String ownerUrl) throws SQLException {
        String role = "octosts_app_outage";
        String password = UUID.randomUUID().toString();
        try (Connection connection = DriverManager.getConnection(ownerUrl); Statement sql = connection.createStatement()) {
            sql.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "' IN ROLE octo_sts_runtime");
        }
        return ownerUrl.substring(0, ownerUrl.indexOf('?')) + "?user=" + role + "&password=" + password;
    }

    private static void waitForLockWaiter(Database database) throws Exception {
        awaitTrue(() -> {
            try (Connection connection = DriverManager.getConnection(database.ownerUrl());
                 Statement sql = connection.createStatement();
                 ResultSet waiting = sql.executeQuery("SELECT count(*) FROM pg_locks WHERE NOT granted"
                         + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                waiting.next();
                return waiting.getLong(1) > 0;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 60 s");
            }
            pause(5);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Row(long seq, Map<String, String> columns) {
        String column(String name) {
            return columns.get(name);
        }

        String hash() {
            return columns.get("hash");
        }
    }

    private record Database(String ownerUrl, String runtimeUrl) {
        static Database fresh() {
            TestDatabase server = TestDatabase.shared();
            String owner = server.createDatabase();
            Migrations.migrate(owner);
            return new Database(owner, server.createRuntimeLogin(owner));
        }

        List<UUID> chains() throws SQLException {
            List<UUID> chains = new ArrayList<>();
            try (Connection connection = DriverManager.getConnection(ownerUrl);
                 Statement sql = connection.createStatement();
                 ResultSet rows = sql.executeQuery("SELECT chain_id, host, process_id FROM ledger_chain")) {
                while (rows.next()) {
                    assertThat(rows.getString("host")).isNotBlank();
                    assertThat(rows.getLong("process_id")).isEqualTo(ProcessHandle.current().pid());
                    chains.add(rows.getObject("chain_id", UUID.class));
                }
            }
            return chains;
        }

        /** The chain's rows in seq order, every column as text (recorded_at as an ISO instant). */
        List<Row> chain(UUID chainId) throws SQLException {
            List<Row> rows = new ArrayList<>();
            try (Connection connection = DriverManager.getConnection(ownerUrl);
                 var query = connection.prepareStatement("SELECT * FROM ledger_record WHERE chain_id = ? ORDER BY seq")) {
                query.setObject(1, chainId);
                try (ResultSet result = query.executeQuery()) {
                    while (result.next()) {
                        Map<String, String> columns = new HashMap<>();
                        for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
                            columns.put(result.getMetaData().getColumnName(i), result.getString(i));
                        }
                        columns.put("recorded_at", result.getObject("recorded_at", OffsetDateTime.class).toInstant().toString());
                        rows.add(new Row(result.getLong("seq"), columns));
                    }
                }
            }
            return rows;
        }
    }
}
