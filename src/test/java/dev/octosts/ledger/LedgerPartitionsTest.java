package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.octosts.dev.LocalPostgres.LedgerLogins;
import dev.octosts.exchange.Decision;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.testing.MutableClock;
import dev.octosts.testing.TestDatabase;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The monthly partitions of ledger_record on a real PostgreSQL with the two logins as deployed: the
 * migration of a populated ledger, the default partition, maintenance, rights, triggers and pruning of
 * partitions by the planner.
 */
class LedgerPartitionsTest {
    /** Months with records: three before the migration, spread over a year boundary. */
    private static final Instant NOVEMBER = Instant.parse("2025-11-20T08:00:00Z");
    private static final String HASHES = "SELECT string_agg(chain_id || ':' || seq || ':' || hash, ',' ORDER BY chain_id, seq) FROM ledger_record";

    @Test
    void aLedgerWrittenBeforePartitioningIsMovedIntoMonthsAndStillVerifies() throws Exception {
        LedgerLogins logins = TestDatabase.shared().createLedgerDatabase();
        Flyway.configure().locations("classpath:db/migration").target("3")
                .dataSource(logins.ownerUrl(), null, null).load().migrate();
        CheckpointSigner signer = new CheckpointSigner(LedgerVerifierFixture.rsaKey());
        MutableClock clock = new MutableClock(NOVEMBER);
        DataSource runtime = dataSource(logins.runtimeUrl());
        // Two writers' chains, each with records in three months and checkpoints between them.
        for (int writer = 0; writer < 2; writer++) {
            clock.set(NOVEMBER.plus(Duration.ofHours(writer)));
            try (Ledger ledger = new Ledger(runtime, LedgerSettings.defaults(), clock).start();
                 Checkpointer checkpoints = new Checkpointer(runtime, signer, ledger::head, Duration.ofHours(1), clock)) {
                for (int month = 0; month < 3; month++) {
                    for (int i = 0; i < 40; i++) {
                        ledger.append(record(clock.instant(), "w" + writer + "-m" + month + "-" + i));
                        clock.advance(Duration.ofMinutes(10));
                    }
                    checkpoints.checkpointNow();
                    clock.advance(Duration.ofDays(25));
                }
            }
        }
        String hashesBefore = queryText(logins.ownerUrl(), HASHES);
        long checkpointsBefore = count(logins.ownerUrl(), "SELECT count(*) FROM ledger_checkpoint");

        assertThat(Migrations.migrate(logins.ownerUrl())).isEqualTo(3);

        assertThat(queryText(logins.ownerUrl(), HASHES)).isEqualTo(hashesBefore);
        assertThat(count(logins.ownerUrl(), "SELECT count(*) FROM ledger_record")).isEqualTo(240);
        assertThat(partitionsHolding(logins.ownerUrl())).containsExactly(
                "ledger_record_2025_11", "ledger_record_2025_12", "ledger_record_2026_01");
        VerificationReport report = verifier(runtime, signer).verify();
        assertThat(report.firstProblem()).isEmpty();
        assertThat(report.records()).isEqualTo(240);
        assertThat(report.chains()).isEqualTo(2);
        assertThat(report.checkpoints()).isEqualTo(checkpointsBefore).isEqualTo(6);

        // The service appends after the migration as before, through the parent, into the month's partition.
        clock.set(Instant.now());
        try (Ledger ledger = new Ledger(runtime, LedgerSettings.defaults(), clock).start()) {
            ledger.append(record(clock.instant(), "after-migration"));
        }
        assertThat(partitionsHolding(logins.ownerUrl()))
                .contains(LedgerPartitions.partitionName(YearMonth.from(clock.instant().atOffset(ZoneOffset.UTC))));
        assertThat(verifier(runtime, signer).verify().verified()).isTrue();
    }

    @Test
    void aRecordOfAMonthWithoutPartitionLandsInTheDefaultOneAndMovesWhenItsMonthIsMade() throws Exception {
        LedgerLogins logins = migrated();
        DataSource runtime = dataSource(logins.runtimeUrl());
        Instant farAhead = Instant.parse("2031-05-17T12:00:00Z");
        MutableClock clock = new MutableClock(farAhead);
        try (Ledger ledger = new Ledger(runtime, LedgerSettings.defaults(), clock).start()) {
            ledger.append(record(farAhead, "stray-1"));
            ledger.append(record(farAhead.plusSeconds(1), "stray-2"));
            clock.set(Instant.parse("2031-09-01T00:00:00Z"));
            ledger.append(record(clock.instant(), "stray-later"));
        }
        assertThat(partitionsHolding(logins.ownerUrl())).containsExactly("ledger_record_default");

        LedgerPartitions.Maintenance done;
        try (Connection owner = DriverManager.getConnection(logins.ownerUrl())) {
            done = LedgerPartitions.maintain(owner, farAhead, 1);
        }

        assertThat(done.created()).containsExactly("ledger_record_2031_05", "ledger_record_2031_06");
        assertThat(done.strays()).isEqualTo(1);
        assertThat(count(logins.ownerUrl(), "SELECT count(*) FROM ledger_record_2031_05")).isEqualTo(2);
        assertThat(count(logins.ownerUrl(), "SELECT count(*) FROM ledger_record_default")).isEqualTo(1);
        assertThat(count(logins.ownerUrl(), "SELECT count(*) FROM ledger_record")).isEqualTo(3);
        // The new default partition is guarded like the old one.
        try (Connection owner = DriverManager.getConnection(logins.ownerUrl()); Statement sql = owner.createStatement()) {
            assertThatThrownBy(() -> sql.execute("TRUNCATE ledger_record_default")).hasMessageContaining("append-only");
            assertThatThrownBy(() -> sql.execute("DELETE FROM ledger_record_default")).hasMessageContaining("append-only");
        }
        assertThat(verifier(runtime, null).verify().verified()).isTrue();
    }

    @Test
    void maintenanceMakesTheComingMonthsOnceAndIsIdempotent() throws Exception {
        LedgerLogins logins = migrated();
        Instant now = Instant.parse("2029-12-15T00:00:00Z");
        try (Connection owner = DriverManager.getConnection(logins.ownerUrl())) {
            LedgerPartitions.Maintenance first = LedgerPartitions.maintain(owner, now, 3);
            LedgerPartitions.Maintenance second = LedgerPartitions.maintain(owner, now, 3);
            LedgerPartitions.Maintenance laterMonth = LedgerPartitions.maintain(owner, now.plus(Duration.ofDays(31)), 3);

            assertThat(first.created()).containsExactly("ledger_record_2029_12", "ledger_record_2030_01",
                    "ledger_record_2030_02", "ledger_record_2030_03");
            assertThat(second.created()).isEmpty();
            assertThat(second.protectedNow()).isEmpty();
            assertThat(laterMonth.created()).containsExactly("ledger_record_2030_04");
        }
        // A partition made by hand gets its key and TRUNCATE trigger from the next run.
        try (Connection owner = DriverManager.getConnection(logins.ownerUrl()); Statement sql = owner.createStatement()) {
            sql.execute("CREATE TABLE ledger_record_2035_01 PARTITION OF ledger_record"
                    + " FOR VALUES FROM ('2035-01-01 00:00:00+00') TO ('2035-02-01 00:00:00+00')");
            assertThat(LedgerPartitions.maintain(owner, now, 3).protectedNow()).containsExactly("ledger_record_2035_01");
            assertThatThrownBy(() -> sql.execute("TRUNCATE ledger_record_2035_01")).hasMessageContaining("append-only");
        }
    }

    @Test
    void theRuntimeLoginCannotChangeDropOrDetachAnyPartition() throws Exception {
        LedgerLogins logins = migrated();
        List<String> partitions = partitions(logins.ownerUrl());
        // This month's and the next three months' partitions, and the default one.
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        assertThat(partitions).containsExactly(partition(now), partition(now.plusMonths(1)), partition(now.plusMonths(2)),
                partition(now.plusMonths(3)), "ledger_record_default");
        try (Connection runtime = DriverManager.getConnection(logins.runtimeUrl()); Statement sql = runtime.createStatement()) {
            runtime.setAutoCommit(true);
            for (String partition : partitions) {
                for (String statement : List.of("UPDATE " + partition + " SET reason = 'x'", "DELETE FROM " + partition,
                        "TRUNCATE " + partition, "SELECT count(*) FROM " + partition,
                        "INSERT INTO " + partition + " SELECT * FROM ledger_record LIMIT 0",
                        "ALTER TABLE ledger_record DETACH PARTITION " + partition, "DROP TABLE " + partition)) {
                    assertThatThrownBy(() -> sql.execute(statement)).as(statement).isInstanceOf(SQLException.class);
                }
            }
            for (String statement : List.of("UPDATE ledger_record SET reason = 'x'", "DELETE FROM ledger_record",
                    "TRUNCATE ledger_record", "DROP TABLE ledger_record",
                    "CREATE TABLE ledger_record_2040_01 PARTITION OF ledger_record FOR VALUES FROM ('2040-01-01') TO ('2040-02-01')")) {
                assertThatThrownBy(() -> sql.execute(statement)).as(statement).isInstanceOf(SQLException.class);
            }
        }
        assertThat(partitions(logins.ownerUrl())).isEqualTo(partitions);
        assertThat(LedgerLogin.inspect(dataSource(logins.runtimeUrl())).canRewriteLedger()).isFalse();

        // A right granted on one partition is a right to rewrite the ledger: the service would refuse to start.
        String month = partitions.getFirst();
        try (Connection owner = DriverManager.getConnection(logins.ownerUrl()); Statement sql = owner.createStatement()) {
            sql.execute("GRANT DELETE ON " + month + " TO octo_sts_runtime");
        }
        LedgerLogin login = LedgerLogin.inspect(dataSource(logins.runtimeUrl()));
        assertThat(login.rights()).containsExactly("DELETE on " + month);
        assertThat(login.canRewriteLedger()).isTrue();
    }

    @Test
    void theAppendOnlyTriggersFireOnEveryPartitionReachedDirectlyAndTheOwnerMayDropAWholeMonth() throws Exception {
        LedgerLogins logins = migrated();
        DataSource runtime = dataSource(logins.runtimeUrl());
        Instant now = Instant.now();
        MutableClock clock = new MutableClock(now);
        try (Ledger ledger = new Ledger(runtime, LedgerSettings.defaults(), clock).start()) {
            ledger.append(record(now, "guarded"));
            clock.set(Instant.parse("2031-05-17T12:00:00Z"));
            ledger.append(record(clock.instant(), "guarded-stray"));
        }
        String month = LedgerPartitions.partitionName(YearMonth.from(now.atOffset(ZoneOffset.UTC)));
        try (Connection owner = DriverManager.getConnection(logins.ownerUrl()); Statement sql = owner.createStatement()) {
            for (String partition : List.of(month, "ledger_record_default")) {
                for (String statement : List.of("UPDATE " + partition + " SET reason = 'x'", "DELETE FROM " + partition,
                        "UPDATE ledger_record SET recorded_at = recorded_at + interval '1 day'")) {
                    assertThatThrownBy(() -> sql.execute(statement)).as(statement).hasMessageContaining("append-only");
                }
            }
            for (String partition : partitions(logins.ownerUrl())) {
                assertThatThrownBy(() -> sql.execute("TRUNCATE " + partition)).as(partition).hasMessageContaining("append-only");
            }
            assertThat(count(logins.ownerUrl(), "SELECT count(*) FROM " + month)).isEqualTo(1);
            assertThat(count(logins.ownerUrl(), "SELECT count(*) FROM ledger_record_default")).isEqualTo(1);

            // Removing a whole month is DDL, which no trigger sees: the owner's way to prune archived months.
            String ahead = LedgerPartitions.partitionName(YearMonth.from(now.atOffset(ZoneOffset.UTC)).plusMonths(3));
            sql.execute("ALTER TABLE ledger_record DETACH PARTITION " + ahead);
            sql.execute("DROP TABLE " + ahead);
        }
        assertThat(partitions(logins.ownerUrl())).contains(month).doesNotContain(
                LedgerPartitions.partitionName(YearMonth.from(now.atOffset(ZoneOffset.UTC)).plusMonths(3)));
    }

    @Test
    void aSeqTakenTwiceIsRefusedWithinAMonthAndReportedByVerifyAcrossMonths() throws Exception {
        CheckpointSigner signer = new CheckpointSigner(LedgerVerifierFixture.rsaKey());
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        try (Connection owner = DriverManager.getConnection(ledger.superuserUrl())) {
            LedgerPartitions.maintain(owner, LedgerVerifierFixture.T0, 3);
        }
        UUID chain = ledger.newChain();
        for (int i = 0; i < 1_005; i++) {
            ledger.append(chain, LedgerVerifierFixture.allowed(LedgerVerifierFixture.T0.plusSeconds(i), "acme/app", "repo:acme/app"));
        }
        String copySeq1000 = "INSERT INTO ledger_record SELECT chain_id, seq, prev_hash, hash, recorded_at + interval '%s',"
                + " request_id, decision, grpc_code, reason, scope, identity, issuer, subject, token_sha256, canonical"
                + " FROM ledger_record WHERE chain_id = '" + chain + "' AND seq = 1000";
        try (Connection runtime = DriverManager.getConnection(ledger.runtimeUrl()); Statement sql = runtime.createStatement()) {
            assertThatThrownBy(() -> sql.execute(copySeq1000.formatted("1 second")))
                    .isInstanceOf(SQLException.class).hasMessageContaining("duplicate key");
            // Two months apart: another partition, which cannot see the first.
            sql.execute(copySeq1000.formatted("60 days"));
        }

        VerificationReport report = verifier(ledger.runtime(), signer).verify();

        // Seq 1000 ends the first page of the walk: the duplicate is found though the next page starts after it.
        assertThat(report.firstProblem()).hasValueSatisfying(problem -> {
            assertThat(problem.chainId()).isEqualTo(chain);
            assertThat(problem.seq()).isEqualTo(1000);
            assertThat(problem.kind()).isEqualTo(VerificationReport.Problem.Kind.DUPLICATE);
        });
        assertThat(verifier(ledger.runtime(), signer).verifyAfter(Map.of(), 10_000).firstProblem())
                .hasValueSatisfying(problem -> assertThat(problem.kind()).isEqualTo(VerificationReport.Problem.Kind.DUPLICATE));
    }

    @Test
    void aOneMonthWindowOnTheParentReadsOnlyThatMonthsPartition() throws Exception {
        LedgerLogins logins = migrated();
        try (Connection owner = DriverManager.getConnection(logins.ownerUrl())) {
            LedgerPartitions.maintain(owner, Instant.parse("2030-01-01T00:00:00Z"), 5);
        }
        List<String> plan = new ArrayList<>();
        // The shape of LedgerQuery's query for a subject in a time window, as the runtime login sends it.
        try (Connection runtime = DriverManager.getConnection(logins.runtimeUrl());
             PreparedStatement explain = runtime.prepareStatement("EXPLAIN SELECT chain_id, seq, canonical, prev_hash, hash"
                     + " FROM ledger_record WHERE subject IN (?) AND recorded_at >= ? AND recorded_at < ?"
                     + " ORDER BY recorded_at DESC, chain_id, seq DESC LIMIT 100")) {
            explain.setString(1, "repo:acme/app");
            explain.setObject(2, Instant.parse("2030-03-04T00:00:00Z").atOffset(ZoneOffset.UTC));
            explain.setObject(3, Instant.parse("2030-03-28T00:00:00Z").atOffset(ZoneOffset.UTC));
            try (ResultSet rows = explain.executeQuery()) {
                while (rows.next()) {
                    plan.add(rows.getString(1));
                }
            }
        }
        String text = String.join("\n", plan);
        assertThat(text).contains("ledger_record_2030_03");
        assertThat(text.replace("ledger_record_2030_03", "")).doesNotContain("ledger_record_");
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static LedgerLogins migrated() {
        LedgerLogins logins = TestDatabase.shared().createLedgerDatabase();
        Migrations.migrate(logins.ownerUrl());
        return logins;
    }

    private static LedgerVerifier verifier(DataSource runtime, CheckpointSigner signer) {
        List<PublicKey> keys = signer == null ? List.of() : List.of(signer.publicKey());
        return new LedgerVerifier(runtime, keys);
    }

    private static ExchangeRecord record(Instant time, String requestId) {
        ExchangeRecord.Actor actor = new ExchangeRecord.Actor("https://token.actions.githubusercontent.com",
                "repo:octo-org/app:ref:refs/heads/main", List.of("octo-sts"), requestId + "-jti",
                Map.of("repository", "octo-org/app"));
        return new ExchangeRecord(time, requestId, "127.0.0.1", "test", "octo-org/app", "ci", actor, Decision.DENY,
                GrpcCode.PERMISSION_DENIED, "subject_mismatch", "no match", null, null, null, null, null, null);
    }

    private static DataSource dataSource(String url) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        return dataSource;
    }

    /** The partitions that hold records, by name. */
    private static List<String> partitionsHolding(String url) throws SQLException {
        return strings(url, "SELECT DISTINCT tableoid::regclass::text FROM ledger_record ORDER BY 1");
    }

    private static List<String> partitions(String url) throws SQLException {
        return strings(url, "SELECT inhrelid::regclass::text FROM pg_inherits"
                + " WHERE inhparent = 'ledger_record'::regclass ORDER BY 1");
    }

    private static List<String> strings(String url, String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(url); Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    private static String queryText(String url, String query) throws SQLException {
        return strings(url, query).getFirst();
    }

    private static long count(String url, String query) throws SQLException {
        return Long.parseLong(queryText(url, query));
    }

    private static String partition(YearMonth month) {
        return String.format("ledger_record_%04d_%02d", month.getYear(), month.getMonthValue());
    }
}
