package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.keys.PemKeys;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.LedgerVerifierFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code octo-sts audit verify --since} over a real PostgreSQL, on {@link LedgerVerifierFixture#twoChains}:
 * A checkpointed at seq 5 at T0 + 10 s, B at seq 3 at T0 + 30 s.
 */
class AuditVerifySinceTest {
    private static final String NL = System.lineSeparator();
    @TempDir
    static Path keys;
    private static Path keyFile;
    private static CheckpointSigner signer;

    @BeforeAll
    static void ledgerKey() throws IOException {
        keyFile = Files.writeString(keys.resolve("ledger.pem"), LedgerVerifierFixture.rsaPrivateKeyPem());
        signer = new CheckpointSigner(PemKeys.fromFile(keyFile));
    }

    private static AuditCommandRun verify(LedgerVerifierFixture ledger, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "verify";
        System.arraycopy(args, 0, command, 1, args.length);
        return AuditCommandRun.run(Map.of("DATABASE_URL", ledger.runtimeUrl(), "LEDGER_SIGNING_KEY_FILE",
                keyFile.toString()), Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC), command);
    }

    @Test
    void aWindowSaysWhichItVerifiedAndCountsWhatItRead() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);

        AuditCommandRun run = verify(ledger, "--since", "2026-11-27T10:00:15Z");

        assertThat(run.out()).isEqualTo("window since 2026-11-27T10:00:15Z: 1 chains from their last checkpoint at or"
                + " before it, 1 from their first record" + NL + "verified 3 records in 2 chains, 2 checkpoints" + NL);
        assertThat(run.exit()).isZero();
    }

    @Test
    void aDayIsItsMidnightInUtcAndAWindowOfCheckpointsOnlySaysFromWhenItRead() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);

        AuditCommandRun run = verify(ledger, "--since", "2026-11-28");

        assertThat(run.out()).isEqualTo("window since 2026-11-28T00:00:00Z: 2 chains from their last checkpoint at or"
                + " before it, 0 from their first record; records recorded before 2026-11-26T10:00:10Z not read" + NL
                + "verified 0 records in 2 chains, 2 checkpoints" + NL);
        assertThat(run.exit()).isZero();
    }

    @Test
    void aChangeInTheWindowFailsAsAFullVerifyWould() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);
        ledger.tamper("UPDATE ledger_record SET canonical = replace(canonical, 'other/x', 'other/y')"
                + " WHERE chain_id = '" + LedgerVerifierFixture.B + "' AND seq = 2");

        // B's checkpoint is after the window's start: B is walked from its first record.
        AuditCommandRun run = verify(ledger, "--since", "2026-11-27t10:00:15z");

        assertThat(run.out()).startsWith("window since 2026-11-27T10:00:15Z: 1 chains from their last checkpoint")
                .contains(NL + "verification failed at chain " + LedgerVerifierFixture.B + " seq 2: changed: ");
        assertThat(run.exit()).isEqualTo(1);
    }

    @Test
    void aTimeThatIsNoneOfTheFormsIsRefusedBeforeAnythingIsRead() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);

        AuditCommandRun run = verify(ledger, "--since", "2026-11");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("--since '2026-11' is neither an RFC 3339 time");
    }
}
