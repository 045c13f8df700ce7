package dev.octosts.ledger;

import static dev.octosts.ledger.schema.Tables.LEDGER_CHECKPOINT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.exchange.Decision;
import dev.octosts.keys.SigningKey;
import dev.octosts.ledger.LedgerVerifierFixture.Exchange;
import dev.octosts.ledger.VerificationReport.Problem;
import dev.octosts.ledger.VerificationReport.Problem.Kind;
import dev.octosts.ledger.schema.tables.records.LedgerCheckpointRecord;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verification of a window ({@code audit verify --since}) and the time windows of query and export, on a
 * real PostgreSQL with the owner and the runtime login, over a ledger spread on four months' partitions.
 */
class LedgerWindowVerifyTest {
    private static final SigningKey KEY = LedgerVerifierFixture.rsaKey();
    private static final CheckpointSigner SIGNER = new CheckpointSigner(KEY);
    private static final Instant AUGUST = Instant.parse("2026-08-10T09:00:00Z");
    private static final Instant OCTOBER_FIRST = Instant.parse("2026-10-01T00:00:00Z");
    private static final int PER_MONTH = 5;
    /** Chain A: checkpointed at the end of each month. */
    private static final UUID A = LedgerVerifierFixture.A;
    /** Chain B: never checkpointed. */
    private static final UUID B = LedgerVerifierFixture.B;
    private static final Pattern PARTITION = Pattern.compile("ledger_record_(\\d{4}_\\d{2}|default)");

    private LedgerVerifierFixture ledger;

    /**
     * Both chains have {@value #PER_MONTH} records a month from August to November 2026, one a day; A is
     * checkpointed ten days after each month's first record, so its last checkpoint before October is
     * September's (seq 10, signed 2026-09-19T09:00:00Z).
     */
    @BeforeEach
    void spreadOverFourMonths() throws SQLException {
        ledger = LedgerVerifierFixture.create();
        try (Connection owner = DriverManager.getConnection(ledger.superuserUrl())) {
            LedgerPartitions.maintain(owner, AUGUST, 6);
        }
        ledger.newChain(A);
        ledger.newChain(B);
        for (int month = 0; month < 4; month++) {
            Instant start = AUGUST.plus(Duration.ofDays(30L * month));
            List<Exchange> a = new ArrayList<>();
            List<Exchange> b = new ArrayList<>();
            for (int day = 0; day < PER_MONTH; day++) {
                Instant time = start.plus(Duration.ofDays(day));
                a.add(Exchange.denied(time, "req-a-" + month + "-" + day, "acme/app", "repo:acme/app", "subject_mismatch"));
                b.add(LedgerVerifierFixture.allowed(time.plusSeconds(60), "other/x", "repo:other/x"));
            }
            ledger.append(A, a);
            ledger.append(B, b);
            ledger.checkpoint(A, SIGNER, start.plus(Duration.ofDays(10)));
        }
        assertThat(ledger.count("SELECT count(DISTINCT tableoid) FROM ledger_record")).isEqualTo(4);
    }

    private static LedgerVerifier verifier(LedgerVerifierFixture ledger) {
        return new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey()));
    }

    @Test
    void anIntactWindowVerifiesFromTheCheckpointBeforeIt() {
        WindowReport window = verifier(ledger).verifySince(OCTOBER_FIRST);

        assertThat(window.report().firstProblem()).isEmpty();
        assertThat(window.since()).isEqualTo(OCTOBER_FIRST);
        assertThat(window.chainsFromCheckpoint()).isEqualTo(1);
        assertThat(window.chainsFromStart()).isEqualTo(1);
        assertThat(window.readFrom()).isEmpty();
        // A: seq 11 to 20 after September's checkpoint; B: all of its 20 records.
        assertThat(window.report().records()).isEqualTo(10 + 20);
        assertThat(window.report().chains()).isEqualTo(2);
        // September's (the start), October's and November's.
        assertThat(window.report().checkpoints()).isEqualTo(3);
    }

    @Test
    void tamperingInsideTheWindowIsFound() {
        // Seq 13: October's third record of A.
        ledger.tamper(LedgerVerifierFixture.flipDecision(A, 13));

        Optional<Problem> problem = verifier(ledger).verifySince(OCTOBER_FIRST).report().firstProblem();

        assertThat(problem).hasValueSatisfying(found -> assertThat(found)
                .extracting(Problem::chainId, Problem::seq, Problem::kind).containsExactly(A, 13L, Kind.CHANGED));
    }

    /** The limit of a window: what lies before its starting checkpoint is trusted, not read. */
    @Test
    void tamperingBeforeTheStartingCheckpointIsNotReadSoNotReported() {
        // Seq 3: August's third record of A, before September's checkpoint.
        ledger.tamper(LedgerVerifierFixture.flipDecision(A, 3));

        assertThat(verifier(ledger).verifySince(OCTOBER_FIRST).report().verified()).isTrue();
        assertThat(verifier(ledger).verify().firstProblem()).hasValueSatisfying(found -> assertThat(found)
                .extracting(Problem::chainId, Problem::seq, Problem::kind).containsExactly(A, 3L, Kind.CHANGED));
    }

    @Test
    void aWindowWithNoCheckpointBeforeItWalksEveryChainFromItsStart() {
        Instant beforeEveryCheckpoint = AUGUST.plus(Duration.ofDays(2));
        ledger.tamper(LedgerVerifierFixture.flipDecision(A, 3));

        WindowReport window = verifier(ledger).verifySince(beforeEveryCheckpoint);

        assertThat(window.chainsFromCheckpoint()).isZero();
        assertThat(window.chainsFromStart()).isEqualTo(2);
        assertThat(window.report().firstProblem()).hasValueSatisfying(found -> assertThat(found)
                .extracting(Problem::chainId, Problem::seq, Problem::kind).containsExactly(A, 3L, Kind.CHANGED));
    }

    @Test
    void aWindowOfChainsThatAllStartAtACheckpointSaysFromWhenItRead() {
        ledger.tamper("DELETE FROM ledger_record WHERE chain_id = '" + B + "'",
                "DELETE FROM ledger_chain WHERE chain_id = '" + B + "'");

        WindowReport window = verifier(ledger).verifySince(OCTOBER_FIRST);

        assertThat(window.report().verified()).isTrue();
        assertThat(window.chainsFromCheckpoint()).isEqualTo(1);
        assertThat(window.chainsFromStart()).isZero();
        // A day before September's checkpoint.
        assertThat(window.readFrom()).contains(Instant.parse("2026-09-18T09:00:00Z"));
        assertThat(window.report().records()).isEqualTo(10);
    }

    @Test
    void aStartingCheckpointWithoutATrustedSignatureFails() {
        SigningKey other = LedgerVerifierFixture.rsaKey();
        CheckpointSigner forger = new CheckpointSigner(other);
        // A forged checkpoint of A at seq 12, signed after September's and before the window.
        Instant signedAt = OCTOBER_FIRST.minusSeconds(60);
        ledger.insertCheckpoint(A, 12, "ab".repeat(32), signedAt, forger.keyId(),
                forger.sign(A, 12, "ab".repeat(32), signedAt));

        Optional<Problem> problem = verifier(ledger).verifySince(OCTOBER_FIRST).report().firstProblem();

        assertThat(problem).hasValueSatisfying(found -> assertThat(found)
                .extracting(Problem::chainId, Problem::seq, Problem::kind)
                .containsExactly(A, 12L, Kind.SIGNATURE_INVALID));
    }

    @Test
    void theWindowsWalkReadsOnlyTheMonthsFromItsStartingCheckpointOn() throws SQLException {
        try (Connection runtime = DriverManager.getConnection(ledger.runtimeUrl())) {
            DSLContext db = DSL.using(runtime, SQLDialect.POSTGRES);
            LedgerWalk walk = new LedgerWalk(db, new CheckpointVerifier(List.of(KEY.publicKey())));
            LedgerCheckpointRecord september = db.selectFrom(LEDGER_CHECKPOINT)
                    .where(LEDGER_CHECKPOINT.CHAIN_ID.eq(A), LEDGER_CHECKPOINT.SEQ.eq(10L))
                    .fetchOne();

            List<String> read = partitionsRead(runtime, db, walk.recordsAfter(A, 10, LedgerWalk.recordedFrom(september), 1000));

            assertThat(read).first().isEqualTo("2026_09");
            assertThat(read).doesNotContain("2026_08").contains("2026_10", "2026_11");
            // Unbounded, as the full walk and the incremental one read: every month.
            assertThat(partitionsRead(runtime, db, walk.recordsAfter(A, 10, DSL.noCondition(), 1000)))
                    .contains("2026_08", "2026_09", "2026_10", "2026_11", "default");
        }
    }

    @Test
    void queryAndExportOfAWindowReadOnlyItsMonths() throws SQLException {
        Instant until = Instant.parse("2026-11-01T00:00:00Z");
        try (Connection runtime = DriverManager.getConnection(ledger.runtimeUrl())) {
            DSLContext db = DSL.using(runtime, SQLDialect.POSTGRES);
            LedgerQuery.Filter bySubject = new LedgerQuery.Filter(null, "repo:acme/app", null, null, Decision.DENY,
                    OCTOBER_FIRST, until);
            LedgerQuery.Filter byToken = new LedgerQuery.Filter("ab".repeat(32), null, null, null, null,
                    OCTOBER_FIRST, until);

            assertThat(partitionsRead(runtime, db, LedgerQuery.select(db, bySubject, 100))).containsExactly("2026_10");
            assertThat(partitionsRead(runtime, db, LedgerQuery.select(db, byToken, 100))).containsExactly("2026_10");
            assertThat(partitionsRead(runtime, db, LedgerExport.page(db, OCTOBER_FIRST, until, null)))
                    .containsExactly("2026_10");
            // Without an end, from the window's start on: the months ahead and the default partition too.
            assertThat(partitionsRead(runtime, db, LedgerExport.page(db, OCTOBER_FIRST, null, null)))
                    .doesNotContain("2026_08", "2026_09").contains("2026_10", "2026_11", "default");
        }
        // The same queries return the window's records.
        assertThat(new LedgerQuery(ledger.runtime()).find(new LedgerQuery.Filter(null, "repo:acme/app", null, null,
                null, OCTOBER_FIRST, until), 100).count()).isEqualTo(PER_MONTH);
        assertThat(new LedgerExport(ledger.runtime()).export(OCTOBER_FIRST, until, record -> { }))
                .isEqualTo(2 * PER_MONTH);
    }

    /** The partitions (by month, or {@code default}) in the plan of {@code query} as the runtime login runs it. */
    private static List<String> partitionsRead(Connection runtime, DSLContext db, Query query) throws SQLException {
        List<String> months = new ArrayList<>();
        try (Statement sql = runtime.createStatement(); ResultSet plan = sql.executeQuery("EXPLAIN " + db.renderInlined(query))) {
            while (plan.next()) {
                Matcher partition = PARTITION.matcher(plan.getString(1));
                while (partition.find()) {
                    if (!months.contains(partition.group(1))) {
                        months.add(partition.group(1));
                    }
                }
            }
        }
        assertThat(months).as("the plan names the partitions it reads").isNotEmpty();
        return months;
    }
}
