package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.keys.PemKeys;
import dev.octosts.ledger.ChainHead;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.LedgerVerifierFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code octo-sts audit verify} over a real PostgreSQL: exit 0 with the counts, exit 1 naming the first break. */
class AuditVerifyCommandTest {
    private static final UUID A = LedgerVerifierFixture.A;
    @TempDir
    static Path keys;
    private static Path keyFile;
    private static CheckpointSigner signer;

    @BeforeAll
    static void ledgerKey() throws IOException {
        keyFile = Files.writeString(keys.resolve("ledger.pem"), LedgerVerifierFixture.rsaPrivateKeyPem());
        signer = new CheckpointSigner(PemKeys.fromFile(keyFile));
    }

    private static Map<String, String> env(LedgerVerifierFixture ledger) {
        return Map.of("DATABASE_URL", ledger.runtimeUrl(), "LEDGER_SIGNING_KEY_FILE", keyFile.toString());
    }

    @Test
    void aCleanLedgerVerifiesWithTheKeyOfTheSigningKeyFile() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);

        AuditCommandRun run = AuditCommandRun.run(env(ledger), Clock.systemUTC(), "verify");

        assertThat(run.out()).isEqualTo("verified 8 records in 2 chains, 2 checkpoints" + System.lineSeparator());
        assertThat(run.exit()).isZero();
    }

    @Test
    void publishedPublicKeysVerifyOffline() throws IOException {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);
        Map<String, String> keyOnly = Map.of("LEDGER_SIGNING_KEY_FILE", keyFile.toString());
        Path pem = Files.writeString(keys.resolve("ledger.pub.pem"),
                AuditCommandRun.run(keyOnly, Clock.systemUTC(), "public-key").out());
        Path jwk = Files.writeString(keys.resolve("ledger.pub.jwk"),
                AuditCommandRun.run(keyOnly, Clock.systemUTC(), "public-key", "--format", "jwk").out());
        Map<String, String> databaseOnly = Map.of("DATABASE_URL", ledger.runtimeUrl());

        for (Path published : new Path[] {pem, jwk}) {
            AuditCommandRun run = AuditCommandRun.run(databaseOnly, Clock.systemUTC(), "verify", "--public-key",
                    published.toString());
            assertThat(run.out()).as(published.toString()).startsWith("verified 8 records in 2 chains, 2 checkpoints");
            assertThat(run.exit()).isZero();
        }
    }

    @Test
    void anotherKeyDoesNotVerifyTheCheckpoints() throws IOException {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);
        Path otherKey = Files.writeString(keys.resolve("other.pem"), LedgerVerifierFixture.rsaPrivateKeyPem());

        AuditCommandRun run = AuditCommandRun.run(Map.of("DATABASE_URL", ledger.runtimeUrl(),
                "LEDGER_SIGNING_KEY_FILE", otherKey.toString()), Clock.systemUTC(), "verify");

        assertThat(run.out()).startsWith("verification failed at chain " + A + " seq 5: signature invalid: ")
                .contains("not a trusted ledger key");
        assertThat(run.exit()).isEqualTo(1);
    }

    record Tampering(String name, Consumer<LedgerVerifierFixture> tamper, String firstBreak) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Tampering> tampering() {
        String a = "chain_id = '" + A + "'";
        return Stream.of(
                new Tampering("edited", ledger -> ledger.tamper(LedgerVerifierFixture.flipDecision(A, 3)),
                        "seq 3: changed: "),
                new Tampering("deleted", ledger -> ledger.tamper(LedgerVerifierFixture.deleteRecords(A, 2, 2)),
                        "seq 2: missing: "),
                new Tampering("reordered", ledger -> ledger.tamper(LedgerVerifierFixture.swap(A, 2, 3)),
                        "seq 2: reordered: "),
                new Tampering("truncated", ledger -> ledger.tamper(LedgerVerifierFixture.TRUNCATE_RECORDS),
                        "seq 1: missing: "),
                new Tampering("forged checkpoint", ledger -> {
                    ChainHead head = ledger.head(A);
                    ledger.tamper("DELETE FROM ledger_checkpoint WHERE " + a);
                    String genuine = signer.sign(A, head.seq(), head.hash(), LedgerVerifierFixture.T0);
                    // Same header and payload, the signature of a different message.
                    String other = signer.sign(A, head.seq() - 1, head.hash(), LedgerVerifierFixture.T0);
                    ledger.insertCheckpoint(A, head.seq(), head.hash(), LedgerVerifierFixture.T0, signer.keyId(),
                            genuine.substring(0, genuine.lastIndexOf('.')) + other.substring(other.lastIndexOf('.')));
                }, "seq 5: signature invalid: "));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tampering")
    void aTamperedLedgerFailsNamingTheFirstBrokenRecord(Tampering tampering) {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);
        tampering.tamper().accept(ledger);

        AuditCommandRun run = AuditCommandRun.run(env(ledger), Clock.systemUTC(), "verify");

        assertThat(run.out()).startsWith("verification failed at chain " + A + " " + tampering.firstBreak());
        assertThat(run.exit()).isEqualTo(1);
    }

    @Test
    void missingSettingsAndAnUnreachableDatabaseAreErrorsNotBreaks() {
        AuditCommandRun noDatabase = AuditCommandRun.run(Map.of("LEDGER_SIGNING_KEY_FILE", keyFile.toString()),
                Clock.systemUTC(), "verify");
        assertThat(noDatabase.err()).contains("DATABASE_URL: is required");
        assertThat(noDatabase.exit()).isEqualTo(2);

        AuditCommandRun noKey = AuditCommandRun.run(Map.of("DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/x"),
                Clock.systemUTC(), "verify");
        assertThat(noKey.err()).contains("LEDGER_SIGNING_KEY_FILE: is required");
        assertThat(noKey.exit()).isEqualTo(2);

        AuditCommandRun unreachable = AuditCommandRun.run(Map.of("DATABASE_URL",
                        "jdbc:postgresql://127.0.0.1:1/ledger?user=reader&password=s3cret-pw&connectTimeout=2",
                        "LEDGER_SIGNING_KEY_FILE", keyFile.toString()), Clock.systemUTC(), "verify");
        assertThat(unreachable.err()).startsWith("octo-sts audit: cannot read the ledger: ").doesNotContain("s3cret-pw")
                .doesNotContain("\tat ");
        assertThat(unreachable.out()).isEmpty();
        assertThat(unreachable.exit()).isEqualTo(2);

        AuditCommandRun notPostgres = AuditCommandRun.run(Map.of("DATABASE_URL", "postgres://u:s3cret-pw@127.0.0.1/x",
                "LEDGER_SIGNING_KEY_FILE", keyFile.toString()), Clock.systemUTC(), "verify");
        assertThat(notPostgres.err()).contains("DATABASE_URL: must be a PostgreSQL JDBC URL").doesNotContain("s3cret-pw");
        assertThat(notPostgres.exit()).isEqualTo(2);
    }
}
