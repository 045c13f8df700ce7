package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.keys.PemKeys;
import dev.octosts.ledger.AnchorDirectory;
import dev.octosts.ledger.LedgerAnchors;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.LedgerVerifierFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code octo-sts audit prune} over a real PostgreSQL with two logins: the owner (here the superuser that
 * migrated the database) prunes November once the archive proves it holds exactly November's records;
 * afterwards the database and the archive each verify, the database's chains continuing from the archived
 * hashes. An incomplete or forged archive, or the runtime login, prunes nothing.
 */
class AuditPruneCommandTest {
    private static final UUID A = LedgerVerifierFixture.A;
    private static final UUID B = LedgerVerifierFixture.B;
    private static final Instant DECEMBER = Instant.parse("2026-12-02T08:00:00Z");
    private static final String NOVEMBER_RECORDS = "SELECT count(*) FROM ledger_record WHERE recorded_at < '2026-12-01T00:00:00Z'";
    @TempDir
    static Path keys;
    private static Path keyFile;
    private static CheckpointSigner signer;
    @TempDir
    Path work;

    @BeforeAll
    static void ledgerKey() throws IOException {
        keyFile = Files.writeString(keys.resolve("ledger.pem"), LedgerVerifierFixture.rsaPrivateKeyPem());
        signer = new CheckpointSigner(PemKeys.fromFile(keyFile));
    }

    /** November: A seq 1-5 (checkpoint at 5), B seq 1-3 (checkpoint at 3), in their month's partition; December: A 6-7 (checkpoint at 7). */
    private static LedgerVerifierFixture ledger() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);
        ledger.tamper("SELECT ledger_record_add_month('2026-11-15T00:00:00Z')");
        ledger.append(A, List.of(LedgerVerifierFixture.allowed(DECEMBER, "acme/app", "repo:acme/app:ref:refs/heads/main"),
                LedgerVerifierFixture.allowed(DECEMBER.plusSeconds(1), "acme/app", "repo:acme/app:ref:refs/heads/main")));
        ledger.checkpoint(A, signer, DECEMBER.plusSeconds(10));
        return ledger;
    }

    private static Map<String, String> runtimeEnv(LedgerVerifierFixture ledger) {
        return Map.of("DATABASE_URL", ledger.runtimeUrl(), "LEDGER_SIGNING_KEY_FILE", keyFile.toString());
    }

    private static Map<String, String> ownerEnv(LedgerVerifierFixture ledger) {
        return Map.of("DATABASE_URL", ledger.runtimeUrl(), "DATABASE_MIGRATION_URL", ledger.superuserUrl(),
                "LEDGER_SIGNING_KEY_FILE", keyFile.toString());
    }

    private Path archive(LedgerVerifierFixture ledger) {
        Path out = work.resolve("nov");
        AuditCommandRun run = AuditCommandRun.run(runtimeEnv(ledger), Clock.systemUTC(), "archive", "--before", "2026-12",
                "--out", out.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        return out;
    }

    private static AuditCommandRun prune(Map<String, String> env, Path archive) {
        return AuditCommandRun.run(env, Clock.systemUTC(), "prune", "--before", "2026-12", "--archive", archive.toString());
    }

    @Test
    void archivePruneAndVerifyBothWays() {
        LedgerVerifierFixture ledger = ledger();
        Path archive = archive(ledger);

        AuditCommandRun pruned = prune(ownerEnv(ledger), archive);

        assertThat(pruned.lines()).containsExactly("pruned 8 records of 2 chains before 2026-12: dropped ledger_record_2026_11");
        assertThat(pruned.exit()).isZero();
        assertThat(ledger.count("SELECT count(*) FROM ledger_record")).isEqualTo(2);
        assertThat(ledger.count("SELECT count(*) FROM pg_class WHERE relname = 'ledger_record_2026_11'")).isZero();
        assertThat(ledger.count("SELECT count(*) FROM ledger_prune")).isEqualTo(2);
        // The database's A continues at seq 6 from the archived hash of seq 5; B lives only in the archive.
        AuditCommandRun database = AuditCommandRun.run(runtimeEnv(ledger), Clock.systemUTC(), "verify");
        assertThat(database.lines()).containsExactly("verified 2 records in 2 chains, 1 checkpoints");
        assertThat(database.exit()).isZero();
        // A window that begins before the cut starts each chain at its cut too, not at records the prune dropped.
        AuditCommandRun window = AuditCommandRun.run(runtimeEnv(ledger), Clock.systemUTC(), "verify", "--since", "2026-01-01");
        assertThat(window.lines()).last().isEqualTo("verified 2 records in 2 chains, 1 checkpoints");
        assertThat(window.exit()).isZero();
        AuditCommandRun offline = AuditCommandRun.run(Map.of("LEDGER_SIGNING_KEY_FILE", keyFile.toString()),
                Clock.systemUTC(), "verify", "--archive", archive.toString());
        assertThat(offline.lines()).containsExactly(
                "verified archive of 8 records in 2 chains, 2 checkpoints, before 2026-12-01T00:00:00Z");
        assertThat(offline.exit()).isZero();
        AuditCommandRun joined = AuditCommandRun.run(runtimeEnv(ledger), Clock.systemUTC(), "verify", "--archive",
                archive.toString(), "--with-database");
        assertThat(joined.lines()).containsExactly(
                "verified archive of 8 records in 2 chains, 2 checkpoints, before 2026-12-01T00:00:00Z",
                "the database's chains continue from the archive's 2 chains");
        assertThat(joined.exit()).isZero();
    }

    @Test
    void recordsDeletedAfterTheArchiveWithTheCutMovedOverThemDoNotJoin() {
        LedgerVerifierFixture ledger = ledger();
        Path archive = archive(ledger);
        assertThat(prune(ownerEnv(ledger), archive).exit()).isZero();
        // A superuser deletes A's seq 6 and moves A's cut over it: the database alone still verifies from seq 7.
        ledger.tamper("INSERT INTO ledger_prune SELECT chain_id, seq, hash, '2026-12-01T00:00:00Z', now() FROM ledger_record"
                + " WHERE chain_id = '" + A + "' AND seq = 6", LedgerVerifierFixture.deleteRecords(A, 6, 6));

        AuditCommandRun database = AuditCommandRun.run(runtimeEnv(ledger), Clock.systemUTC(), "verify");
        AuditCommandRun joined = AuditCommandRun.run(runtimeEnv(ledger), Clock.systemUTC(), "verify", "--archive",
                archive.toString(), "--with-database");

        assertThat(database.exit()).isZero();
        assertThat(joined.out()).contains("chain " + A + ": the archive ends at seq 5").contains("the database's cut is at seq 6");
        assertThat(joined.exit()).isEqualTo(1);
    }

    @Test
    void anchorsWrittenBeforeThePruneStillHold() throws IOException {
        LedgerVerifierFixture ledger = ledger();
        Path anchors = Files.createDirectory(work.resolve("anchors"));
        // B is anchored at seq 3, the last record the prune takes; A at seq 7, after its cut.
        new LedgerAnchors(ledger.runtime(), signer, Clock.fixed(DECEMBER.plusSeconds(20), ZoneOffset.UTC),
                List.of(new AnchorDirectory(anchors))).anchorNow();
        assertThat(prune(ownerEnv(ledger), archive(ledger)).exit()).isZero();

        AuditCommandRun verify = AuditCommandRun.run(runtimeEnv(ledger), Clock.systemUTC(), "verify", "--anchors", anchors.toString());

        assertThat(verify.lines()).containsExactly("verified 2 records in 2 chains, 1 checkpoints",
                "verified 2 chains against 1 anchors");
        assertThat(verify.exit()).isZero();
    }

    @Test
    void aCutRewrittenAfterThePruneBreaksTheChainThatContinuesFromIt() {
        LedgerVerifierFixture ledger = ledger();
        assertThat(prune(ownerEnv(ledger), archive(ledger)).exit()).isZero();
        ledger.tamper("UPDATE ledger_prune SET last_hash = repeat('0', 64) WHERE chain_id = '" + A + "'");

        AuditCommandRun database = AuditCommandRun.run(runtimeEnv(ledger), Clock.systemUTC(), "verify");

        assertThat(database.out()).startsWith("verification failed at chain " + A + " seq 6: changed: prev_hash is not the hash of seq 5");
        assertThat(database.exit()).isEqualTo(1);
    }

    @Test
    void anArchiveMissingARecordWrittenSincePrunesNothing() {
        LedgerVerifierFixture ledger = ledger();
        Path archive = archive(ledger);
        // A late November record of B, after the archive was written.
        ledger.append(B, LedgerVerifierFixture.allowed(Instant.parse("2026-11-30T23:00:00Z"), "other/x", "repo:other/x:ref:refs/heads/main"));

        AuditCommandRun pruned = prune(ownerEnv(ledger), archive);

        assertThat(pruned.err()).contains("chain " + B + ": the archive holds 3 records, seq 1 to 3")
                .contains("the database has 4, seq 1 to 4");
        assertThat(pruned.exit()).isEqualTo(2);
        assertThat(ledger.count(NOVEMBER_RECORDS)).isEqualTo(9);
        assertThat(ledger.count("SELECT count(*) FROM ledger_prune")).isZero();
    }

    @Test
    void aForgedArchivePrunesNothing() throws IOException {
        LedgerVerifierFixture ledger = ledger();
        Path archive = archive(ledger);
        Path file = archive.resolve("chain-" + B + ".jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.remove(1);
        Files.write(file, lines);

        AuditCommandRun pruned = prune(ownerEnv(ledger), archive);

        assertThat(pruned.err()).contains("does not verify: chain " + B + ": seq 2 (line 2)");
        assertThat(pruned.exit()).isEqualTo(2);
        assertThat(ledger.count(NOVEMBER_RECORDS)).isEqualTo(8);
    }

    @Test
    void recordsBeforeTheCutInTheDefaultPartitionPruneNothing() {
        LedgerVerifierFixture ledger = ledger();
        // October has no partition: a backdated record of B lands in the default partition.
        ledger.append(B, LedgerVerifierFixture.allowed(Instant.parse("2026-10-30T23:00:00Z"), "other/x", "repo:other/x:ref:refs/heads/main"));
        Path archive = archive(ledger);

        AuditCommandRun pruned = prune(ownerEnv(ledger), archive);

        assertThat(pruned.err()).contains("ledger_record_default holds 1 records before 2026-12-01T00:00:00Z");
        assertThat(pruned.exit()).isEqualTo(2);
        assertThat(ledger.count(NOVEMBER_RECORDS)).isEqualTo(9);
    }

    @Test
    void theRuntimeLoginPrunesNothing() {
        LedgerVerifierFixture ledger = ledger();
        Path archive = archive(ledger);

        AuditCommandRun pruned = prune(runtimeEnv(ledger), archive);

        assertThat(pruned.err()).contains("this login does not own the ledger: prune runs as the owner login (DATABASE_MIGRATION_URL)");
        assertThat(pruned.exit()).isEqualTo(2);
        assertThat(ledger.count(NOVEMBER_RECORDS)).isEqualTo(8);
    }

    @Test
    void anArchiveOfAnotherCutPrunesNothing() {
        LedgerVerifierFixture ledger = ledger();
        Path early = work.resolve("early");
        assertThat(AuditCommandRun.run(runtimeEnv(ledger), Clock.systemUTC(), "archive", "--before", "2026-11-27T10:00:03Z",
                "--out", early.toString()).exit()).isZero();

        AuditCommandRun pruned = prune(ownerEnv(ledger), early);

        assertThat(pruned.err()).contains("the archive holds the records before 2026-11-27T10:00:03Z, not before 2026-12-01T00:00:00Z");
        assertThat(pruned.exit()).isEqualTo(2);
        assertThat(ledger.count(NOVEMBER_RECORDS)).isEqualTo(8);
    }
}
