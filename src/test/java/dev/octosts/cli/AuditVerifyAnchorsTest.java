package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.keys.PemKeys;
import dev.octosts.ledger.AnchorDirectory;
import dev.octosts.ledger.AnchorVerifier;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.LedgerAnchors;
import dev.octosts.ledger.LedgerVerifierFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code octo-sts audit verify --anchors DIR} over a real PostgreSQL: the runtime login writes records,
 * checkpoints and anchors; the superuser, with the append-only triggers off, deletes what it likes.
 */
class AuditVerifyAnchorsTest {
    private static final UUID A = LedgerVerifierFixture.A;
    private static final UUID B = LedgerVerifierFixture.B;
    private static final Instant ANCHORED_AT = LedgerVerifierFixture.T0.plusSeconds(60);
    @TempDir
    static Path keys;
    private static Path keyFile;
    private static CheckpointSigner signer;
    @TempDir
    Path anchors;

    @BeforeAll
    static void ledgerKey() throws IOException {
        keyFile = Files.writeString(keys.resolve("ledger.pem"), LedgerVerifierFixture.rsaPrivateKeyPem());
        signer = new CheckpointSigner(PemKeys.fromFile(keyFile));
    }

    private static Map<String, String> env(LedgerVerifierFixture ledger) {
        return Map.of("DATABASE_URL", ledger.runtimeUrl(), "LEDGER_SIGNING_KEY_FILE", keyFile.toString());
    }

    private void anchor(LedgerVerifierFixture ledger, CheckpointSigner by, Instant at) {
        new LedgerAnchors(ledger.runtime(), by, Clock.fixed(at, ZoneOffset.UTC), List.of(new AnchorDirectory(anchors))).anchorNow();
    }

    /** Two chains, checkpointed and anchored; then two more records of A, anchored but not checkpointed. */
    private LedgerVerifierFixture anchoredLedger() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);
        anchor(ledger, signer, ANCHORED_AT);
        ledger.append(A, List.of(LedgerVerifierFixture.allowed(ANCHORED_AT.plusSeconds(1), "acme/app", "repo:acme/app:ref:refs/heads/main"),
                LedgerVerifierFixture.allowed(ANCHORED_AT.plusSeconds(2), "acme/app", "repo:acme/app:ref:refs/heads/main")));
        anchor(ledger, signer, ANCHORED_AT.plusSeconds(3));
        return ledger;
    }

    @Test
    void anIntactLedgerHoldsEveryAnchor() {
        LedgerVerifierFixture ledger = anchoredLedger();

        AuditCommandRun run = AuditCommandRun.run(env(ledger), Clock.systemUTC(), "verify", "--anchors", anchors.toString());

        assertThat(run.lines()).containsExactly("verified 10 records in 2 chains, 2 checkpoints",
                "verified 2 chains against 2 anchors");
        assertThat(run.exit()).isZero();
    }

    @Test
    void aWholeDeletedChainPassesPlainVerifyButNotTheAnchors() {
        LedgerVerifierFixture ledger = anchoredLedger();
        ledger.tamper("DELETE FROM ledger_checkpoint WHERE chain_id = '" + B + "'",
                LedgerVerifierFixture.deleteRecords(B, 1, 3),
                "DELETE FROM ledger_chain WHERE chain_id = '" + B + "'");

        AuditCommandRun plain = AuditCommandRun.run(env(ledger), Clock.systemUTC(), "verify");
        AuditCommandRun anchored = AuditCommandRun.run(env(ledger), Clock.systemUTC(), "verify", "--anchors", anchors.toString());

        assertThat(plain.lines()).containsExactly("verified 7 records in 1 chains, 1 checkpoints");
        assertThat(plain.exit()).isZero();
        assertThat(anchored.lines()).hasSize(2);
        assertThat(anchored.lines().get(1)).startsWith("anchor check failed: chain " + B + " is missing: the anchor names it"
                + " up to seq 3, the database has no record of it (anchor ledger-head-");
        assertThat(anchored.exit()).isEqualTo(1);
    }

    @Test
    void recordsDeletedAfterTheLastCheckpointAreCaughtUpToTheLastAnchor() {
        LedgerVerifierFixture ledger = anchoredLedger();
        ledger.tamper(LedgerVerifierFixture.deleteRecords(A, 6, 7));

        AuditCommandRun plain = AuditCommandRun.run(env(ledger), Clock.systemUTC(), "verify");
        AuditCommandRun anchored = AuditCommandRun.run(env(ledger), Clock.systemUTC(), "verify", "--anchors", anchors.toString());

        assertThat(plain.exit()).isZero();
        assertThat(anchored.out()).contains("anchor check failed: chain " + A
                + " is shorter than anchored: it ends at seq 5, the anchor names seq 7 (anchor ledger-head-");
        assertThat(anchored.out()).doesNotContain("chain " + B);
        assertThat(anchored.exit()).isEqualTo(1);
    }

    @Test
    void aRecordRewrittenAtAnAnchoredSeqDiffers() throws IOException {
        LedgerVerifierFixture ledger = anchoredLedger();
        ledger.tamper("UPDATE ledger_record SET hash = repeat('f', 64) WHERE chain_id = '" + A + "' AND seq = 7");

        AnchorVerifier.Report report = new AnchorVerifier(ledger.runtime(), List.of(signer.publicKey())).verify(anchors);

        assertThat(report.problems()).singleElement().asString().startsWith("chain " + A + " differs at seq 7: the database"
                + " holds hash " + "f".repeat(64) + ", the anchor names ");
    }

    @Test
    void anAnchorSignedByAnotherKeyIsRefused() throws IOException {
        LedgerVerifierFixture ledger = anchoredLedger();
        CheckpointSigner forger = new CheckpointSigner(PemKeys.fromPem(LedgerVerifierFixture.rsaPrivateKeyPem(), "forger"));
        anchor(ledger, forger, ANCHORED_AT.plusSeconds(10));

        AuditCommandRun run = AuditCommandRun.run(env(ledger), Clock.systemUTC(), "verify", "--anchors", anchors.toString());

        assertThat(run.out()).contains("anchor check failed: anchor ledger-head-").contains(
                " is not a valid ledger head: signed with key " + forger.keyId() + ", which is not a trusted ledger key");
        assertThat(run.exit()).isEqualTo(1);
    }

    @Test
    void anAnchorWhosePayloadWasEditedIsRefused() throws IOException {
        LedgerVerifierFixture ledger = anchoredLedger();
        Path last = AnchorDirectory.files(anchors).getLast();
        String[] parts = Files.readString(last, StandardCharsets.US_ASCII).strip().split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String edited = payload.replace("\"seq\":7", "\"seq\":5");
        assertThat(edited).isNotEqualTo(payload);
        Files.writeString(last, parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(edited.getBytes(StandardCharsets.UTF_8)) + "." + parts[2]);

        AuditCommandRun run = AuditCommandRun.run(env(ledger), Clock.systemUTC(), "verify", "--anchors", anchors.toString());

        assertThat(run.lines()).contains("anchor check failed: anchor " + last.getFileName()
                + " is not a valid ledger head: the signature does not verify under key " + signer.keyId());
        assertThat(run.exit()).isEqualTo(1);
    }

    @Test
    void anEmptyAnchorDirectoryProvesNothing() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);

        AuditCommandRun run = AuditCommandRun.run(env(ledger), Clock.systemUTC(), "verify", "--anchors", anchors.toString());

        assertThat(run.out()).contains("anchor check failed: no ledger heads (ledger-head-*.jws) in " + anchors);
        assertThat(run.exit()).isEqualTo(1);
    }
}
