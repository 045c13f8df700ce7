package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.octosts.telemetry.Telemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signed heads of every chain, written by the checkpointer to a directory and as OpenTelemetry log records. */
class LedgerAnchorsTest {
    private static final CheckpointSigner SIGNER = new CheckpointSigner(LedgerVerifierFixture.rsaKey());
    private static final UUID A = LedgerVerifierFixture.A;
    private static final UUID B = LedgerVerifierFixture.B;
    @TempDir
    Path anchors;

    private static final class SteppingClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(LedgerVerifierFixture.T0.plusSeconds(100));

        @Override
        public Instant instant() {
            return now.getAndUpdate(time -> time.plusSeconds(1));
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void everyStoredCheckpointIsFollowedByOneSignedHeadOfAllChains() throws IOException {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(SIGNER);
        UUID c = ledger.newChain();
        ledger.append(c, LedgerVerifierFixture.allowed(LedgerVerifierFixture.T0, "acme/c", "repo:acme/c:ref:refs/heads/main"));
        Clock clock = new SteppingClock();
        LedgerAnchors anchorStore = new LedgerAnchors(ledger.runtime(), SIGNER, clock, List.of(new AnchorDirectory(anchors)));
        Checkpointer checkpointer = new Checkpointer(ledger.runtime(), SIGNER, () -> ledger.head(c), Duration.ofHours(1), clock,
                null, anchorStore);

        checkpointer.checkpointNow();
        checkpointer.checkpointNow();
        ledger.append(c, LedgerVerifierFixture.allowed(LedgerVerifierFixture.T0.plusSeconds(1), "acme/c", "repo:acme/c:ref:refs/heads/main"));
        checkpointer.checkpointNow();

        List<Path> files = AnchorDirectory.files(anchors);
        assertThat(files).hasSize(2);
        assertThat(files.getFirst().getFileName().toString()).matches("ledger-head-\\d{8}T\\d{6}\\.\\d{6}Z\\.jws");
        CheckpointVerifier verifier = new CheckpointVerifier(List.of(SIGNER.publicKey()));
        LedgerHead last = verifier.verifiedHead(Files.readString(files.getLast(), StandardCharsets.US_ASCII).strip());
        assertThat(last.chains()).containsExactlyInAnyOrder(ledger.head(A), ledger.head(B), ledger.head(c));
        assertThat(last.chains().stream().filter(head -> head.chainId().equals(c)).findFirst().orElseThrow().seq()).isEqualTo(2);
        assertThat(files.getFirst().getFileName().toString()).isLessThan(files.getLast().getFileName().toString());
    }

    @Test
    void anExistingAnchorFileIsNeverReplaced() throws IOException {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(SIGNER);
        Clock fixed = Clock.fixed(LedgerVerifierFixture.T0.plusSeconds(100), ZoneOffset.UTC);
        LedgerAnchors anchorStore = new LedgerAnchors(ledger.runtime(), SIGNER, fixed, List.of(new AnchorDirectory(anchors)));
        anchorStore.anchorNow();
        Path file = AnchorDirectory.files(anchors).getFirst();
        String written = Files.readString(file);

        assertThatThrownBy(anchorStore::anchorNow).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot write the ledger head " + file);

        assertThat(Files.readString(file)).isEqualTo(written);
        try (var entries = Files.list(anchors)) {
            assertThat(entries.toList()).containsExactly(file);
        }
    }

    @Test
    void aHeadIsEmittedAsAnOpenTelemetryLogRecord() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(SIGNER);
        InMemoryLogRecordExporter exported = InMemoryLogRecordExporter.create();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setLoggerProvider(SdkLoggerProvider.builder()
                .addLogRecordProcessor(SimpleLogRecordProcessor.create(exported)).build()).build()) {
            Telemetry telemetry = Telemetry.of(sdk, null);
            LedgerAnchors anchorStore = new LedgerAnchors(ledger.runtime(), SIGNER,
                    Clock.fixed(LedgerVerifierFixture.T0.plusSeconds(100), ZoneOffset.UTC),
                    List.of((head, signed) -> telemetry.ledgerHead(head.signedAt(), signed)));

            LedgerHead head = anchorStore.anchorNow();

            LogRecordData record = exported.getFinishedLogRecordItems().getFirst();
            assertThat(record.getEventName()).isEqualTo("octosts.ledger.head");
            assertThat(record.getTimestampEpochNanos()).isEqualTo(LedgerVerifierFixture.T0.plusSeconds(100).toEpochMilli() * 1_000_000);
            LedgerHead signed = new CheckpointVerifier(List.of(SIGNER.publicKey())).verifiedHead(record.getBodyValue().asString());
            assertThat(signed).isEqualTo(head);
            assertThat(signed.chains()).containsExactly(ledger.head(A), ledger.head(B));
        }
    }

    @Test
    void aCheckpointSignatureIsNotALedgerHeadNorAHeadACheckpoint() {
        Instant at = LedgerVerifierFixture.T0;
        String checkpoint = SIGNER.sign(A, 5, "a".repeat(64), at);
        String head = SIGNER.sign(new LedgerHead(at, List.of(new ChainHead(A, 5, "a".repeat(64)))));
        CheckpointVerifier verifier = new CheckpointVerifier(List.of(SIGNER.publicKey()));

        assertThatThrownBy(() -> verifier.verifiedHead(checkpoint)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the signed payload is not a ledger head (no chains or signed_at)");
        assertThat(verifier.check(A, 5, "a".repeat(64), at, SIGNER.keyId(), head)).hasValue(
                "the signed payload lacks chain_id, seq, hash or signed_at");
    }
}
