package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.octosts.dev.LocalPostgres.LedgerLogins;
import dev.octosts.exchange.Decision;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.testing.MutableClock;
import dev.octosts.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Archive and prune month after month on a real PostgreSQL with the two logins as deployed: the service's
 * own writer and checkpointer as the runtime login, the prune as the owner login (not a superuser). Each
 * prune continues the chain from the previous cut, and the database verifies after each.
 */
class LedgerPruneTest {
    private static final Instant NOVEMBER = Instant.parse("2025-11-20T08:00:00Z");
    private static final CheckpointSigner SIGNER = new CheckpointSigner(LedgerVerifierFixture.rsaKey());
    @TempDir
    Path work;

    @Test
    void twoMonthsPrunedOneAfterTheOtherLeaveAChainThatStillVerifies() throws Exception {
        LedgerLogins logins = TestDatabase.shared().createLedgerDatabase();
        Migrations.migrate(logins.ownerUrl());
        try (Connection owner = DriverManager.getConnection(logins.ownerUrl())) {
            LedgerPartitions.maintain(owner, NOVEMBER, 3);
        }
        DataSource runtime = dataSource(logins.runtimeUrl());
        MutableClock clock = new MutableClock(NOVEMBER);
        // 20 records in each of November, December and January, a checkpoint at the end of each month.
        try (Ledger ledger = new Ledger(runtime, LedgerSettings.defaults(), clock).start();
             Checkpointer checkpoints = new Checkpointer(runtime, SIGNER, ledger::head, Duration.ofHours(1), clock)) {
            for (int month = 0; month < 3; month++) {
                for (int i = 0; i < 20; i++) {
                    ledger.append(record(clock.instant(), "m" + month + "-" + i));
                    clock.advance(Duration.ofMinutes(10));
                }
                checkpoints.checkpointNow();
                clock.advance(Duration.ofDays(30));
            }
        }
        Instant now = Instant.now();

        Path november = work.resolve("2025-11");
        LedgerArchive.write(runtime, SIGNER, Instant.parse("2025-12-01T00:00:00Z"), now, november);
        LedgerPrune.Pruned first = prune(logins, YearMonth.parse("2025-12"), november, now);
        Path december = work.resolve("2025-12");
        ArchiveManifest second = LedgerArchive.write(runtime, SIGNER, Instant.parse("2026-01-01T00:00:00Z"), now, december);
        LedgerPrune.Pruned pruned = prune(logins, YearMonth.parse("2026-01"), december, now);

        assertThat(first.dropped()).containsExactly("ledger_record_2025_11");
        assertThat(pruned.dropped()).containsExactly("ledger_record_2025_12");
        assertThat(pruned.records()).isEqualTo(20);
        assertThat(second.chains()).singleElement().satisfies(chain -> {
            assertThat(chain.firstSeq()).isEqualTo(21);
            assertThat(chain.lastSeq()).isEqualTo(40);
            assertThat(chain.checkpoints()).singleElement().extracting(ArchiveManifest.Checkpoint::seq).isEqualTo(40L);
        });
        VerificationReport report = new LedgerVerifier(runtime, List.of(SIGNER.publicKey())).verify();
        assertThat(report.firstProblem()).isEmpty();
        assertThat(report.records()).isEqualTo(20);
        assertThat(report.checkpoints()).isEqualTo(1);
        for (Path archive : List.of(november, december)) {
            assertThat(LedgerArchive.verify(archive, List.of(SIGNER.publicKey())).problem()).isEmpty();
        }
        // The incremental verifier's positions before the cut start at the cut.
        IncrementalReport incremental = new LedgerVerifier(runtime, List.of(SIGNER.publicKey())).verifyAfter(Map.of(), 1000);
        assertThat(incremental.firstProblem()).isEmpty();
        assertThat(incremental.records()).isEqualTo(20);
        assertThat(incremental.recordsVerifiedEarlier()).isZero();
        assertThat(incremental.chains()).isEqualTo(1);
        assertThat(incremental.checkpoints()).isEqualTo(1);
        assertThat(incremental.complete()).isTrue();
        assertThat(incremental.reached()).containsOnlyKeys(second.chains().getFirst().chainId());
        assertThat(incremental.reached().get(second.chains().getFirst().chainId()).seq())
                .as("the chain's last record, the 60th").isEqualTo(60);
    }

    @Test
    void theRuntimeLoginMayOnlyReadTheCutsAndTheOwnerOnlyAppendThem() throws SQLException {
        LedgerLogins logins = TestDatabase.shared().createLedgerDatabase();
        Migrations.migrate(logins.ownerUrl());
        try (Connection connection = DriverManager.getConnection(logins.ownerUrl()); Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO ledger_chain VALUES ('00000000-0000-0000-0000-000000000001', now(), 'host', 1)");
            sql.execute("INSERT INTO ledger_prune VALUES ('00000000-0000-0000-0000-000000000001', 5, repeat('a', 64), now(), now())");
            assertThatThrownBy(() -> sql.execute("UPDATE ledger_prune SET last_seq = 6")).hasMessageContaining("append-only");
            assertThatThrownBy(() -> sql.execute("DELETE FROM ledger_prune")).hasMessageContaining("append-only");
            assertThatThrownBy(() -> sql.execute("TRUNCATE ledger_prune")).hasMessageContaining("append-only");
        }
        try (Connection connection = DriverManager.getConnection(logins.runtimeUrl()); Statement sql = connection.createStatement()) {
            try (ResultSet rows = sql.executeQuery("SELECT count(*) FROM ledger_prune")) {
                rows.next();
                assertThat(rows.getLong(1)).isEqualTo(1);
            }
            assertThatThrownBy(() -> sql.execute("INSERT INTO ledger_prune VALUES ('00000000-0000-0000-0000-000000000001', 9,"
                    + " repeat('b', 64), now(), now())")).hasMessageContaining("permission denied");
        }
    }

    @Test
    void aRuntimeLoginThatMayRewriteTheCutsIsOneThatMayRewriteTheLedger() throws SQLException {
        LedgerLogins logins = TestDatabase.shared().createLedgerDatabase();
        Migrations.migrate(logins.ownerUrl());
        assertThat(LedgerLogin.inspect(dataSource(logins.runtimeUrl())).canRewriteLedger()).isFalse();
        try (Connection connection = DriverManager.getConnection(logins.ownerUrl()); Statement sql = connection.createStatement()) {
            sql.execute("GRANT DELETE ON ledger_prune TO " + TestDatabase.user(logins.runtimeUrl()));
        }

        LedgerLogin runtime = LedgerLogin.inspect(dataSource(logins.runtimeUrl()));

        assertThat(runtime.rights()).containsExactly("DELETE on ledger_prune");
        assertThat(runtime.canRewriteLedger()).isTrue();
    }

    private static LedgerPrune.Pruned prune(LedgerLogins logins, YearMonth month, Path archive, Instant now)
            throws SQLException {
        try (Connection owner = DriverManager.getConnection(logins.ownerUrl())) {
            return LedgerPrune.prune(owner, month, archive, List.of(SIGNER.publicKey()), now);
        }
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
}
