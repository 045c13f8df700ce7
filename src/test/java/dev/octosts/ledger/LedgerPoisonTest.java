package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.octosts.exchange.Decision;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.ParsedPolicy;
import dev.octosts.exchange.ExchangeRecorder.Receipt;
import dev.octosts.exchange.ExchangeRecorder.RecordingException;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.ledger.LedgerQuery.Filter;
import dev.octosts.policy.TrustPolicy;
import dev.octosts.telemetry.Telemetry;
import dev.octosts.testing.TestDatabase;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Records whose text an outsider chose, next to legitimate records, against a real PostgreSQL as a
 * runtime-role login: a record the database would refuse never fails another one.
 */
class LedgerPoisonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    /** 1,024 random CJK characters: 3,072 bytes of UTF-8 that do not compress, over the B-tree row limit. */
    private static final String CJK_SUBJECT = randomCjk(new Random(14), 1024);

    @Test
    void aSubjectTooLongForTheIndexDoesNotFailTheRecordsInItsBatch() throws Exception {
        Database database = Database.fresh();
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start()) {
            List<ExchangeRecord> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                batch.add(legit("legit-" + i));
                if (i % 3 == 0) {
                    batch.add(poison("poison-" + i, CJK_SUBJECT));
                }
            }
            List<Outcome> outcomes = appendAsOneBatch(database, ledger, batch);

            assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.failure()).as(outcome.requestId()).isNull());
            assertThat(outcomes).extracting(outcome -> outcome.receipt().batchSize()).containsOnly(batch.size());
            assertThat(database.count(ledger.chainId())).isEqualTo(batch.size() + 1);
            assertVerifies(pool);
        }
    }

    @Test
    void legitimateAppendsAllSucceedWhilePoisonedAppendsAreInterleaved() throws Exception {
        Database database = Database.fresh();
        int legitThreads = 8;
        int perThread = 60;
        AtomicInteger legitFailed = new AtomicInteger();
        AtomicInteger poisonFailed = new AtomicInteger();
        AtomicInteger poisonAppended = new AtomicInteger();
        AtomicBoolean legitDone = new AtomicBoolean();
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start();
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> attackers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Random random = new Random(t);
                attackers.add(executor.submit(() -> {
                    for (int i = 0; !legitDone.get() || i < 20; i++) {
                        try {
                            ledger.append(poison("poison-" + random.nextLong(), randomCjk(random, 1024)));
                        } catch (RecordingException e) {
                            poisonFailed.incrementAndGet();
                        }
                        poisonAppended.incrementAndGet();
                    }
                    return null;
                }));
            }
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < legitThreads; t++) {
                int thread = t;
                clients.add(executor.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        try {
                            ledger.append(legit("legit-" + thread + "-" + i));
                        } catch (RecordingException e) {
                            legitFailed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : clients) {
                client.get();
            }
            legitDone.set(true);
            for (Future<?> attacker : attackers) {
                attacker.get();
            }
            System.out.printf("poison: %d of %d legitimate appends failed, %d of %d poisoned appends failed%n",
                    legitFailed.get(), legitThreads * perThread, poisonFailed.get(), poisonAppended.get());

            assertThat(legitFailed.get()).as("legitimate appends that failed").isZero();
            assertThat(poisonFailed.get()).as("poisoned appends that failed").isZero();
            assertThat(database.count(ledger.chainId())).isEqualTo(legitThreads * perThread + poisonAppended.get());
            assertVerifies(pool);
        }
    }

    @Test
    void textAnOutsiderChoseIsStoredVerifiedAndFoundInEveryField() throws Exception {
        Random random = new Random(1);
        Map<String, String> hostile = new LinkedHashMap<>();
        hostile.put("nul", "a\u0000b\u0000");
        hostile.put("lone high surrogate", "x\uD800y");
        hostile.put("lone low surrogate", "\uDC00");
        hostile.put("reversed pair", "\uDC00\uD800");
        hostile.put("1 MB ascii", "x".repeat(1 << 20));
        hostile.put("1 MB random cjk", randomCjk(random, 350_000));
        hostile.put("1 MB nul", "\u0000".repeat(1 << 20));
        hostile.put("1 MB lone surrogates", "\uDFFF".repeat(1 << 20));
        hostile.put("emoji", "\uD83D\uDE00".repeat(300_000));
        hostile.put("cjk at the limit", randomCjk(random, 1024));
        hostile.put("looks like a hashed column", "abc…sha256:" + "a".repeat(64));
        hostile.put("empty", "");
        Database database = Database.fresh();
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start()) {
            List<ExchangeRecord> batch = new ArrayList<>();
            for (Map.Entry<String, String> value : hostile.entrySet()) {
                ExchangeRecord record = everyField(value.getKey(), value.getValue());
                ledger.append(record); // alone in its batch
                batch.add(record);
            }
            List<Outcome> outcomes = appendAsOneBatch(database, ledger, batch);
            assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.failure()).as(outcome.requestId()).isNull());
            assertVerifies(pool);

            LedgerQuery query = new LedgerQuery(pool);
            for (Map.Entry<String, String> value : hostile.entrySet()) {
                String stored = LedgerText.sanitize(value.getValue());
                for (Filter filter : List.of(QueryFilters.subject(value.getValue()),
                        QueryFilters.scope(value.getValue()), QueryFilters.identity(value.getValue()))) {
                    List<JsonNode> found = query.find(filter, 100).toList();
                    assertThat(found).as(value.getKey() + " " + filter).isNotEmpty()
                            .allSatisfy(row -> assertThat(row.at("/actor/sub").textValue()).isEqualTo(stored));
                }
            }
        }
    }

    @Test
    void randomTextInEveryFieldIsAlwaysStoredWhole() throws Exception {
        Random random = new Random(20261206);
        Database database = Database.fresh();
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start();
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Receipt>> appends = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                ExchangeRecord record = everyField("random-" + i, randomText(random, random.nextInt(4000)));
                appends.add(executor.submit(() -> ledger.append(record)));
            }
            for (Future<Receipt> append : appends) {
                append.get();
            }
            assertThat(database.count(ledger.chainId())).isEqualTo(600);
            assertThat(database.count(ledger.chainId(), ReducedRecord.REDUCED_REASON))
                    .as("records the database refused as written").isZero();
            assertVerifies(pool);
        }
    }

    @Test
    void aLongSubjectIsFoundByTheSubjectAsTheTokenCarriedIt() throws Exception {
        Database database = Database.fresh();
        String longer = CJK_SUBJECT + "and more than the ledger keeps";
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start()) {
            ledger.append(poison("long", CJK_SUBJECT));
            ledger.append(poison("longer", longer));
            ledger.append(legit("legit"));
            LedgerQuery query = new LedgerQuery(pool);

            assertThat(query.find(QueryFilters.subject(CJK_SUBJECT), 10))
                    .extracting(row -> row.get("request_id").textValue()).containsExactly("long");
            assertThat(query.find(QueryFilters.subject(longer), 10))
                    .extracting(row -> row.get("request_id").textValue()).containsExactly("longer");
            // What the column holds is short, and names the value by its SHA-256.
            String column = database.subjectColumn(ledger.chainId(), 1);
            assertThat(column.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
            assertThat(column).endsWith("…sha256:" + sha256Hex(CJK_SUBJECT));
        }
    }

    // --- a record the database refuses although the ledger shaped it --------------------------------------------

    @Test
    void aRecordTheDatabaseRefusesIsStoredReducedAndItsBatchCommits() throws Exception {
        Database database = Database.fresh();
        // Stands for any refusal the ledger's own bounds did not foresee: a data error on one record.
        database.owner("ALTER TABLE ledger_record ADD CONSTRAINT test_refuses_marked"
                + " CHECK (position('refused-by-check' in canonical) = 0)");
        InMemoryMetricReader metrics = InMemoryMetricReader.create();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build()).build();
             HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC(), Telemetry.of(sdk, null)).start()) {
            List<ExchangeRecord> batch = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                batch.add(legit("legit-" + i));
            }
            ExchangeRecord refusedDeny = withUserAgent(poison("refused-deny", "refused-by-check"), "refused-by-check");
            ExchangeRecord refusedAllow = withUserAgent(legit("refused-allow"), "refused-by-check");
            batch.add(3, refusedDeny);
            batch.add(9, refusedAllow);

            List<Outcome> outcomes = appendAsOneBatch(database, ledger, batch);
            assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.failure()).as(outcome.requestId()).isNull());
            // No back-off: the next append is written at once.
            ledger.append(legit("right-after"));

            assertThat(database.count(ledger.chainId())).isEqualTo(batch.size() + 2);
            assertVerifies(pool);
            LedgerQuery query = new LedgerQuery(pool);
            JsonNode deny = only(query.find(QueryFilters.subject("refused-by-check"), 10).toList());
            assertThat(deny.get("reason").textValue()).isEqualTo("record_reduced");
            assertThat(deny.get("decision").textValue()).isEqualTo("deny");
            assertThat(deny.get("grpc_code").intValue()).isEqualTo(3);
            assertThat(deny.get("request_id").textValue()).isEqualTo("refused-deny");
            assertThat(deny.get("user_agent").textValue()).isEqualTo("sha256:" + sha256Hex("refused-by-check"));
            assertThat(deny.get("detail").textValue()).contains("invalid_subject").contains("23514");
            JsonNode allow = only(query.find(QueryFilters.tokenSha256(sha256Hex("refused-allow")), 10).toList());
            assertThat(allow.get("reason").textValue()).isEqualTo("record_reduced");
            assertThat(allow.get("decision").textValue()).isEqualTo("allow");
            assertThat(allow.at("/issued/token_sha256").textValue()).isEqualTo(sha256Hex("refused-allow"));
            // A grant stored reduced is still one the service can revoke.
            assertThat(new LedgerGrants(pool).find(sha256Hex("refused-allow")))
                    .hasValueSatisfying(grant -> assertThat(grant.revoked()).isFalse());
            assertThat(counter(metrics, "octosts.ledger.records.reduced")).isEqualTo(2);
            assertThat(counter(metrics, "octosts.ledger.write.failures")).isZero();
            JsonNode schema = JSON.readTree(Path.of("db/ledger-record.schema.json").toFile());
            for (JsonNode row : List.of(deny, allow)) {
                assertThat(LedgerExportTest.SchemaCheck.errors(schema, row, "$")).as(row.toString()).isEmpty();
            }
        }
    }

    @Test
    void anAllowTheDatabaseRefusesEvenReducedFailsAloneAndTheOthersCommit() throws Exception {
        Database database = Database.fresh();
        Instant refusedTime = Instant.parse("2001-01-01T00:00:00Z");
        database.owner("ALTER TABLE ledger_record ADD CONSTRAINT test_refuses_old_allows"
                + " CHECK (grpc_code <> 0 OR recorded_at > '2002-01-01')");
        try (HikariDataSource pool = pool(database.runtimeUrl());
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start()) {
            List<ExchangeRecord> batch = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                batch.add(legit("legit-" + i));
            }
            batch.add(4, withTime(legit("unstorable"), refusedTime));
            // Last in its batch: no commit after it ends a back-off it might have started.
            batch.add(withTime(legit("unstorable-last"), refusedTime));

            List<Outcome> outcomes = appendAsOneBatch(database, ledger, batch);
            assertThat(outcomes).filteredOn(outcome -> outcome.failure() != null)
                    .extracting(Outcome::requestId).containsExactly("unstorable", "unstorable-last");
            // No back-off after a refusal: the next append is written at once.
            ledger.append(legit("right-after"));
            assertThat(database.count(ledger.chainId())).isEqualTo(batch.size() - 2 + 2);
            assertVerifies(pool);
        }
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    private record Outcome(String requestId, Receipt receipt, Throwable failure) {
    }

    /**
     * Appends {@code records} so that the writer takes them as one batch: a first append waits on a table
     * lock while the others queue behind it.
     */
    private static List<Outcome> appendAsOneBatch(Database database, Ledger ledger, List<ExchangeRecord> records)
            throws Exception {
        try (Connection blocker = DriverManager.getConnection(database.ownerUrl());
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("LOCK TABLE ledger_record IN ACCESS EXCLUSIVE MODE");
            Future<Receipt> first = executor.submit(() -> ledger.append(legit("batch-opener-" + UUID.randomUUID())));
            database.waitForLockWaiter();
            List<Future<Receipt>> appends = new ArrayList<>();
            for (ExchangeRecord record : records) {
                appends.add(executor.submit(() -> ledger.append(record)));
                awaitTrue(() -> ledger.queueDepth() == appends.size()); // keeps the order
            }
            blocker.rollback();
            first.get();
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                try {
                    outcomes.add(new Outcome(records.get(i).requestId(), appends.get(i).get(), null));
                } catch (java.util.concurrent.ExecutionException e) {
                    outcomes.add(new Outcome(records.get(i).requestId(), null, e.getCause()));
                }
            }
            return outcomes;
        }
    }

    private static void assertVerifies(HikariDataSource pool) {
        VerificationReport report = new LedgerVerifier(pool, List.of()).verify();
        assertThat(report.firstProblem()).isEmpty();
    }

    private static long counter(InMemoryMetricReader metrics, String name) {
        return metrics.collectAllMetrics().stream().filter(metric -> metric.getName().equals(name))
                .flatMap(metric -> metric.getLongSumData().getPoints().stream())
                .mapToLong(LongPointData::getValue).sum();
    }

    private static JsonNode only(List<JsonNode> rows) {
        assertThat(rows).hasSize(1);
        return rows.getFirst();
    }

    private static ExchangeRecord legit(String requestId) {
        ExchangeRecord.Actor actor = new ExchangeRecord.Actor("https://token.actions.githubusercontent.com",
                "repo:octo-org/app:ref:refs/heads/main", List.of("octo-sts"), requestId + "-jti",
                Map.of("repository", "octo-org/app", "run_id", "42"));
        return new ExchangeRecord(Instant.now(), requestId, "127.0.0.1", "test", "octo-org/app", "ci", actor,
                Decision.ALLOW, GrpcCode.OK, "issued", "", null,
                new ExchangeRecord.PolicySource("octo-org", "app", ".github/chainguard/ci.sts.yaml", "f".repeat(40),
                        "e".repeat(64), null),
                null,
                new ExchangeRecord.Issued(1, 2, List.of("app"), Map.of("contents", "read"),
                        Instant.now().plusSeconds(3600), sha256Hex(requestId)), null, null);
    }

    /** A refused exchange whose token carried {@code subject}, as any self-run issuer can mint. */
    private static ExchangeRecord poison(String requestId, String subject) {
        ExchangeRecord.Actor actor = new ExchangeRecord.Actor("https://attacker.example", subject, List.of("octo-sts"),
                null, Map.of());
        return new ExchangeRecord(Instant.now(), requestId, "192.0.2.1", "attacker", "octo-org/app", "ci", actor,
                Decision.DENY, GrpcCode.INVALID_ARGUMENT, "invalid_subject", "invalid subject", null, null, null, null,
                null, null);
    }

    /** {@code value} in every text field an outsider can reach, including map keys and list items. */
    private static ExchangeRecord everyField(String requestId, String value) {
        ExchangeRecord.Actor actor = new ExchangeRecord.Actor(value, value, List.of(value, value), value,
                Map.of("repository", value, value, value));
        ParsedPolicy parsed = ParsedPolicy.of(new TrustPolicy(value, null, value, null, value, null, Map.of(value, value),
                Map.of("contents", "read"), List.of(value)));
        return new ExchangeRecord(Instant.now(), requestId, value, value, value, value, actor, Decision.DENY,
                GrpcCode.PERMISSION_DENIED, "subject_mismatch", value, value,
                new ExchangeRecord.PolicySource(value, value, value, value, value, parsed),
                new ExchangeRecord.AllowlistVerdict(value, false, value),
                new ExchangeRecord.Issued(1, 2, List.of(value), Map.of(value, value), Instant.now(), sha256Hex(requestId)),
                value, value);
    }

    private static ExchangeRecord withUserAgent(ExchangeRecord r, String userAgent) {
        return new ExchangeRecord(r.time(), r.requestId(), r.remoteAddress(), userAgent, r.scope(), r.identity(),
                r.actor(), r.decision(), r.code(), r.reason(), r.message(), r.detail(), r.policy(), r.allowlist(),
                r.issued(), r.traceId(), r.spanId());
    }

    private static ExchangeRecord withTime(ExchangeRecord r, Instant time) {
        return new ExchangeRecord(time, r.requestId(), r.remoteAddress(), r.userAgent(), r.scope(), r.identity(),
                r.actor(), r.decision(), r.code(), r.reason(), r.message(), r.detail(), r.policy(), r.allowlist(),
                r.issued(), r.traceId(), r.spanId());
    }

    /** Code units from every range that has tripped a database: controls, Latin, CJK, pairs and lone surrogates. */
    private static String randomText(Random random, int length) {
        StringBuilder text = new StringBuilder(length);
        while (text.length() < length) {
            switch (random.nextInt(6)) {
                case 0 -> text.append((char) random.nextInt(0x20));
                case 1 -> text.append((char) (0x20 + random.nextInt(0x60)));
                case 2 -> text.append((char) (0x4E00 + random.nextInt(0x5000)));
                case 3 -> text.appendCodePoint(0x10000 + random.nextInt(0xFFFFF));
                case 4 -> text.append((char) (0xD800 + random.nextInt(0x800)));
                default -> text.append((char) (0x80 + random.nextInt(0xD800 - 0x80)));
            }
        }
        return text.toString();
    }

    private static String randomCjk(Random random, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) (0x4E00 + random.nextInt(0x9FFF - 0x4E00)));
        }
        return text.toString();
    }

    private static String sha256Hex(String text) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HikariDataSource pool(String jdbcUrl) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(1_000);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        return new HikariDataSource(config);
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 60 s");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private record Database(String ownerUrl, String runtimeUrl) {
        static Database fresh() {
            TestDatabase server = TestDatabase.shared();
            String owner = server.createDatabase();
            Migrations.migrate(owner);
            return new Database(owner, TestDatabase.createRuntimeLogin(owner));
        }

        void owner(String sql) throws SQLException {
            try (Connection connection = DriverManager.getConnection(ownerUrl); Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        }

        long count(UUID chainId) throws SQLException {
            try (Connection connection = DriverManager.getConnection(ownerUrl);
                 PreparedStatement query = connection.prepareStatement("SELECT count(*) FROM ledger_record WHERE chain_id = ?")) {
                query.setObject(1, chainId);
                try (ResultSet result = query.executeQuery()) {
                    result.next();
                    return result.getLong(1);
                }
            }
        }

        long count(UUID chainId, String reason) throws SQLException {
            try (Connection connection = DriverManager.getConnection(ownerUrl);
                 PreparedStatement query = connection.prepareStatement(
                         "SELECT count(*) FROM ledger_record WHERE chain_id = ? AND reason = ?")) {
                query.setObject(1, chainId);
                query.setString(2, reason);
                try (ResultSet result = query.executeQuery()) {
                    result.next();
                    return result.getLong(1);
                }
            }
        }

        String subjectColumn(UUID chainId, long seq) throws SQLException {
            try (Connection connection = DriverManager.getConnection(ownerUrl);
                 PreparedStatement query = connection.prepareStatement(
                         "SELECT subject FROM ledger_record WHERE chain_id = ? AND seq = ?")) {
                query.setObject(1, chainId);
                query.setLong(2, seq);
                try (ResultSet result = query.executeQuery()) {
                    result.next();
                    return result.getString(1);
                }
            }
        }

        void waitForLockWaiter() {
            awaitTrue(() -> {
                try (Connection connection = DriverManager.getConnection(ownerUrl);
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
    }
}
