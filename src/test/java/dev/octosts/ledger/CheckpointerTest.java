package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.ledger.LedgerVerifierFixture.Exchange;
import dev.octosts.testing.MutableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The checkpointer against a real PostgreSQL, as the runtime role, with a PEM RSA key. */
class CheckpointerTest {
    private static final CheckpointSigner SIGNER = new CheckpointSigner(LedgerVerifierFixture.rsaKey());
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    record Row(long seq, String hash, Instant signedAt, String keyId, String signature) {
    }

    @Test
    void storesTheHeadOnTheIntervalAndNotAgainWhileItStandsStill() throws Exception {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        UUID chain = ledger.newChain();
        ChainHead head = ledger.append(chain, exchanges(3));
        MutableClock clock = new MutableClock(T0);

        try (Checkpointer checkpointer = new Checkpointer(ledger.runtime(), SIGNER, () -> ledger.head(chain),
                Duration.ofMillis(20), clock).start()) {
            awaitCheckpoints(ledger, chain, 1);
            clock.advance(Duration.ofMinutes(1));
            checkpointer.checkpointNow();
        }
        // Neither the later intervals, nor checkpointNow, nor close stored the unmoved head again.
        List<Row> rows = checkpoints(ledger, chain);
        assertThat(rows).extracting(Row::seq, Row::hash, Row::signedAt, Row::keyId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(3L, head.hash(), T0, SIGNER.keyId()));
        assertThat(new CheckpointVerifier(List.of(SIGNER.publicKey()))
                .check(chain, 3, head.hash(), T0, SIGNER.keyId(), rows.getFirst().signature())).isEmpty();
    }

    @Test
    void checkpointsOnlyAMovedHeadAndOnceMoreOnClose() throws Exception {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        UUID chain = ledger.newChain();
        MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00.123456789Z"));
        Checkpointer checkpointer = new Checkpointer(ledger.runtime(), SIGNER, () -> ledger.head(chain),
                Duration.ofHours(1), clock).start();

        checkpointer.checkpointNow(); // an empty chain has nothing to sign
        ledger.append(chain, exchanges(2));
        checkpointer.checkpointNow();
        clock.advance(Duration.ofSeconds(60));
        checkpointer.checkpointNow();
        ChainHead last = ledger.append(chain, exchanges(3));
        clock.advance(Duration.ofSeconds(1));
        checkpointer.close();

        List<Row> rows = checkpoints(ledger, chain);
        assertThat(rows).extracting(Row::seq).containsExactly(2L, 5L);
        assertThat(rows.getLast().hash()).isEqualTo(last.hash());
        // Signed at microsecond precision: what timestamptz keeps, so the signature covers the stored row.
        assertThat(rows.getFirst().signedAt()).isEqualTo(Instant.parse("2026-11-27T10:00:00.123456Z"));
        CheckpointVerifier verifier = new CheckpointVerifier(List.of(SIGNER.publicKey()));
        for (Row row : rows) {
            assertThat(verifier.check(chain, row.seq(), row.hash(), row.signedAt(), row.keyId(), row.signature())).isEmpty();
        }
        VerificationReport report = new LedgerVerifier(ledger.runtime(), List.of(SIGNER.publicKey())).verify();
        assertThat(report).isEqualTo(new VerificationReport(5, 1, 2, java.util.Optional.empty()));
    }

    private static List<Exchange> exchanges(int count) {
        return IntStream.range(0, count).mapToObj(i -> Exchange.allowed(T0.plusSeconds(i), "req-" + UUID.randomUUID(),
                "acme/app", "repo:acme/app:ref:refs/heads/main", "%064x".formatted(i + 1))).toList();
    }

    private static void awaitCheckpoints(LedgerVerifierFixture ledger, UUID chain, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (checkpoints(ledger, chain).size() < count) {
            assertThat(System.nanoTime()).as("a checkpoint within 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static List<Row> checkpoints(LedgerVerifierFixture ledger, UUID chain) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(ledger.runtimeUrl());
             Statement sql = connection.createStatement();
             ResultSet result = sql.executeQuery("SELECT seq, hash, signed_at, key_id, signature FROM ledger_checkpoint"
                     + " WHERE chain_id = '" + chain + "' ORDER BY seq")) {
            while (result.next()) {
                rows.add(new Row(result.getLong(1), result.getString(2), result.getObject(3, OffsetDateTime.class).toInstant(),
                        result.getString(4), result.getString(5)));
            }
        }
        return rows;
    }
}
