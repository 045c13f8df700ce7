package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.keys.SigningKey;
import dev.octosts.ledger.LedgerVerifierFixture.Exchange;
import dev.octosts.ledger.VerificationReport.Problem;
import dev.octosts.ledger.VerificationReport.Problem.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code audit verify}'s engine against a real PostgreSQL: a clean ledger passes, every kind of break is named. */
class LedgerVerifierTest {
    static final SigningKey KEY = LedgerVerifierFixture.rsaKey();
    private static final SigningKey ATTACKER_KEY = LedgerVerifierFixture.rsaKey();
    static final CheckpointSigner SIGNER = new CheckpointSigner(KEY);
    private static final Instant T0 = LedgerVerifierFixture.T0;
    private static final UUID A = LedgerVerifierFixture.A;
    private static final UUID B = LedgerVerifierFixture.B;

    static LedgerVerifierFixture twoChains() {
        return LedgerVerifierFixture.twoChains(SIGNER);
    }

    private static Exchange allowed(int second, String scope, String subject) {
        return LedgerVerifierFixture.allowed(T0.plusSeconds(second), scope, subject);
    }

    @Test
    void aCleanLedgerVerifies() {
        LedgerVerifierFixture ledger = twoChains();
        ledger.newChain(); // a process that never recorded anything

        VerificationReport report = new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey())).verify();

        assertThat(report).isEqualTo(new VerificationReport(8, 3, 2, Optional.empty()));
        assertThat(report.verified()).isTrue();
    }

    /**
     * Chains walked side by side report what a walk of one chain after the other does: the first broken
     * chain in the database's order of chain ids, and the counts up to its break.
     */
    @Test
    void chainsWalkedSideBySideReportAsOneAfterTheOther() {
        LedgerVerifierFixture ledger = twoChains();
        ledger.tamper("UPDATE ledger_record SET scope = 'acme/other' WHERE chain_id = '" + B + "' AND seq = 2");
        VerificationReport onlyB = new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey()), 1).verify();
        assertThat(onlyB.firstProblem()).hasValueSatisfying(problem -> assertThat(problem.chainId()).isEqualTo(B));
        ledger.tamper("UPDATE ledger_record SET scope = 'acme/other' WHERE chain_id = '" + A + "' AND seq = 3");
        VerificationReport both = new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey()), 1).verify();
        assertThat(both.firstProblem()).hasValueSatisfying(problem -> {
            assertThat(problem.chainId()).isEqualTo(A);
            assertThat(problem.seq()).isEqualTo(3);
        });
        assertThat(both.records()).isEqualTo(2);
        assertThat(onlyB.records()).as("A walked whole before B broke").isEqualTo(6);

        for (int parallelism : new int[] {2, 4}) {
            assertThat(new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey()), parallelism).verify())
                    .as("%d chains at once", parallelism).isEqualTo(both);
        }
    }

    @Test
    void anEmptyLedgerVerifies() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();

        assertThat(new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey())).verify())
                .isEqualTo(new VerificationReport(0, 0, 0, Optional.empty()));
    }

    @Test
    void longChainsAreWalkedPageByPage() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        UUID big = ledger.newChain(A);
        List<Exchange> exchanges = new ArrayList<>();
        for (int i = 0; i < 2345; i++) {
            exchanges.add(allowed(i, "acme/app", "repo:acme/app:ref:refs/heads/main"));
            if (i == 999 || i == 2344) {
                ledger.append(big, exchanges);
                ledger.checkpoint(big, SIGNER, T0.plusSeconds(i));
                exchanges.clear();
            }
        }
        ledger.newChain(B);
        ledger.append(B, allowed(5000, "acme/app", "repo:acme/app:ref:refs/heads/main"));
        LedgerVerifier verifier = new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey()));

        assertThat(verifier.verify()).isEqualTo(new VerificationReport(2346, 2, 2, Optional.empty()));

        ledger.tamper("UPDATE ledger_record SET scope = 'acme/other' WHERE chain_id = '" + A + "' AND seq = 1500");
        assertThat(verifier.verify().firstProblem()).hasValueSatisfying(problem -> {
            assertThat(problem.chainId()).isEqualTo(A);
            assertThat(problem.seq()).isEqualTo(1500);
            assertThat(problem.kind()).isEqualTo(Kind.CHANGED);
            assertThat(problem.detail()).contains("scope");
        });
    }

    /**
     * A chain checkpointed after every record has more checkpoints than a walk holds at once: they are read a
     * page at a time, each still checked, and records deleted from the end are still found by the last one.
     */
    @Test
    void checkpointsAreReadPageByPage() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        UUID chain = ledger.newChain(A);
        int records = ChainWalk.CHECKPOINT_PAGE + 50;
        for (int i = 0; i < records; i++) {
            ledger.append(chain, allowed(i, "acme/app", "repo:acme/app:ref:refs/heads/main"));
            ledger.checkpoint(chain, SIGNER, T0.plusSeconds(i));
        }
        LedgerVerifier verifier = new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey()));

        assertThat(verifier.verify()).isEqualTo(new VerificationReport(records, 1, records, Optional.empty()));

        ledger.tamper(LedgerVerifierFixture.deleteRecords(A, records - 1, records));
        assertThat(verifier.verify().firstProblem()).hasValueSatisfying(problem -> {
            assertThat(problem.kind()).isEqualTo(Kind.MISSING);
            assertThat(problem.seq()).isEqualTo(records - 1);
            assertThat(problem.detail()).contains("record " + (records - 1) + " is missing");
        });
    }

    @Test
    void aLongFieldWrittenWholeBeforeColumnsWereBoundedStillVerifiesAndIsFound() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        UUID chain = ledger.newChain();
        // Over the column bound of 1,024 bytes, under PostgreSQL's B-tree limit: stored whole by earlier writers.
        String subject = "repo:acme/app:ref:refs/heads/" + "ж".repeat(900);
        ledger.append(chain, allowed(1, "acme/app", subject));
        LedgerVerifier verifier = new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey()));

        assertThat(verifier.verify().firstProblem()).isEmpty();
        assertThat(new LedgerQuery(ledger.runtime()).find(QueryFilters.subject(subject), 10)).hasSize(1);

        ledger.tamper("UPDATE ledger_record SET subject = '" + LedgerText.column(subject) + "'");
        assertThat(verifier.verify().firstProblem()).isEmpty();
        assertThat(new LedgerQuery(ledger.runtime()).find(QueryFilters.subject(subject), 10)).hasSize(1);

        ledger.tamper("UPDATE ledger_record SET subject = '" + LedgerText.column(subject + "x") + "'");
        assertThat(verifier.verify().firstProblem()).hasValueSatisfying(problem -> {
            assertThat(problem.kind()).isEqualTo(Kind.CHANGED);
            assertThat(problem.detail()).contains("subject");
        });
    }

    record Tampering(String name, Consumer<LedgerVerifierFixture> tamper, UUID chain, long seq, Kind kind, String detail) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Tampering> tampering() {
        String a = "chain_id = '" + A + "'";
        return Stream.of(
                new Tampering("canonical text edited", ledger -> ledger.tamper(LedgerVerifierFixture.flipDecision(A, 3)),
                        A, 3, Kind.CHANGED, "stored hash"),
                new Tampering("query column edited", ledger -> ledger.tamper(
                        "UPDATE ledger_record SET subject = 'repo:evil/x:ref:refs/heads/main' WHERE " + a + " AND seq = 2"),
                        A, 2, Kind.CHANGED, "subject"),
                new Tampering("token hash column edited", ledger -> ledger.tamper(
                        "UPDATE ledger_record SET token_sha256 = '" + "e".repeat(64) + "' WHERE " + a + " AND seq = 4"),
                        A, 4, Kind.CHANGED, "token_sha256"),
                new Tampering("middle record deleted", ledger -> ledger.tamper(LedgerVerifierFixture.deleteRecords(A, 3, 3)),
                        A, 3, Kind.MISSING, "no record with seq 3"),
                new Tampering("two records swapped", ledger -> ledger.tamper(LedgerVerifierFixture.swap(A, 2, 4)),
                        A, 2, Kind.REORDERED, "follows the record now at seq 3, not the one at seq 1"),
                new Tampering("neighbours swapped", ledger -> ledger.tamper(LedgerVerifierFixture.swap(A, 3, 4)),
                        A, 3, Kind.REORDERED, "follows the record now at seq 4, not the one at seq 2"),
                new Tampering("table truncated", ledger -> ledger.tamper(LedgerVerifierFixture.TRUNCATE_RECORDS),
                        A, 1, Kind.MISSING, "records 1 to 5 are missing"),
                new Tampering("tail deleted", ledger -> ledger.tamper(LedgerVerifierFixture.deleteRecords(A, 4, 5)),
                        A, 4, Kind.MISSING, "records 4 to 5 are missing"),
                new Tampering("record edited and its hash recomputed", ledger -> ledger.tamper(
                        "UPDATE ledger_record SET canonical = replace(canonical, '\"reason\":\"subject_mismatch\"', '\"reason\":\"ok\"'),"
                                + " reason = 'ok' WHERE " + a + " AND seq = 3",
                        rehash(3)),
                        A, 4, Kind.CHANGED, "seq 3"),
                new Tampering("record edited and the chain re-hashed after it", ledger -> ledger.tamper(
                        "UPDATE ledger_record SET canonical = replace(canonical, '\"reason\":\"subject_mismatch\"', '\"reason\":\"ok\"'),"
                                + " reason = 'ok' WHERE " + a + " AND seq = 3",
                        rehash(3), relink(4), rehash(4), relink(5), rehash(5)),
                        A, 5, Kind.CHECKPOINT_MISMATCH, "names hash"),
                new Tampering("checkpoint hash edited", ledger -> ledger.tamper(
                        "UPDATE ledger_checkpoint SET hash = '" + "f".repeat(64) + "' WHERE " + a),
                        A, 5, Kind.SIGNATURE_INVALID, "covers chain"),
                new Tampering("forged checkpoint signature", ledger -> {
                    ChainHead head = ledger.head(A);
                    ledger.tamper("DELETE FROM ledger_checkpoint WHERE " + a);
                    String forged = new CheckpointSigner(ATTACKER_KEY).sign(A, head.seq(), head.hash(), T0);
                    String[] parts = forged.split("\\.");
                    String trustedHeader = SIGNER.sign(A, head.seq(), head.hash(), T0).split("\\.")[0];
                    ledger.insertCheckpoint(A, head.seq(), head.hash(), T0, SIGNER.keyId(),
                            trustedHeader + "." + parts[1] + "." + parts[2]);
                }, A, 5, Kind.SIGNATURE_INVALID, "does not verify"),
                new Tampering("checkpoint by an untrusted key", ledger -> {
                    CheckpointSigner attacker = new CheckpointSigner(ATTACKER_KEY);
                    ledger.append(A, allowed(50, "acme/app", "repo:acme/app:ref:refs/heads/main"));
                    ledger.checkpoint(A, attacker, T0.plusSeconds(60));
                }, A, 6, Kind.SIGNATURE_INVALID, "not a trusted ledger key"),
                new Tampering("pretty-printed record from a faulty writer", ledger -> ledger.append(A,
                        List.of(allowed(50, "acme/app", "repo:acme/app:ref:refs/heads/main")),
                        document -> document.toPrettyString()),
                        A, 6, Kind.NOT_CANONICAL, "canonical"),
                new Tampering("record written to another chain", ledger -> ledger.append(B,
                        List.of(allowed(50, "acme/app", "repo:acme/app:ref:refs/heads/main")),
                        document -> CanonicalJson.of(document.put("chain_id", A.toString()))),
                        B, 4, Kind.REORDERED, "written to chain " + A),
                new Tampering("hash that is not hex", ledger -> ledger.tamper(
                        "UPDATE ledger_record SET hash = upper(hash) WHERE " + a + " AND seq = 2"),
                        A, 2, Kind.CHANGED, "prev_hash or hash is not 64 lowercase hex digits"),
                new Tampering("record text that is not JSON", ledger -> ledger.append(A,
                        List.of(allowed(50, "acme/app", "repo:acme/app:ref:refs/heads/main")), document -> "{not json"),
                        A, 6, Kind.NOT_CANONICAL, "the record's text is not valid JSON"),
                new Tampering("a document of another version", ledger -> ledger.append(A,
                        List.of(allowed(50, "acme/app", "repo:acme/app:ref:refs/heads/main")),
                        document -> CanonicalJson.of(document.put("v", 2))),
                        A, 6, Kind.CHANGED, "the record is not a version 1 ledger document"),
                new Tampering("a document without its decision", ledger -> ledger.append(A,
                        List.of(allowed(50, "acme/app", "repo:acme/app:ref:refs/heads/main")),
                        document -> CanonicalJson.of(document.without("decision"))),
                        A, 6, Kind.CHANGED, "the record lacks the key \"decision\""),
                new Tampering("a document written as another seq", ledger -> ledger.append(A,
                        List.of(allowed(50, "acme/app", "repo:acme/app:ref:refs/heads/main")),
                        document -> CanonicalJson.of(document.put("seq", 99))),
                        A, 6, Kind.REORDERED, "the record was written as seq 99"),
                new Tampering("time column edited", ledger -> ledger.tamper(
                        "UPDATE ledger_record SET recorded_at = recorded_at + interval '1 hour' WHERE " + a + " AND seq = 2"),
                        A, 2, Kind.CHANGED, "the column recorded_at does not match the record"),
                new Tampering("gRPC code column edited", ledger -> ledger.tamper(
                        "UPDATE ledger_record SET grpc_code = 13 WHERE " + a + " AND seq = 3"),
                        A, 3, Kind.CHANGED, "the column grpc_code does not match the record"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tampering")
    void theFirstBrokenRecordIsNamed(Tampering tampering) {
        LedgerVerifierFixture ledger = twoChains();
        tampering.tamper().accept(ledger);

        VerificationReport report = new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey())).verify();

        assertThat(report.firstProblem()).hasValueSatisfying(problem -> {
            assertThat(problem).extracting(Problem::chainId, Problem::seq, Problem::kind)
                    .containsExactly(tampering.chain(), tampering.seq(), tampering.kind());
            assertThat(problem.detail()).contains(tampering.detail());
        });
    }

    @Test
    void withoutTheSigningKeyCheckpointsDoNotVerify() {
        LedgerVerifierFixture ledger = twoChains();

        VerificationReport report = new LedgerVerifier(ledger.runtime(), List.of(ATTACKER_KEY.publicKey())).verify();

        assertThat(report.firstProblem()).map(Problem::kind).contains(Kind.SIGNATURE_INVALID);
    }

    private static String rehash(long seq) {
        return "UPDATE ledger_record SET hash = encode(sha256(decode(prev_hash, 'hex') || convert_to(canonical, 'UTF8')), 'hex')"
                + " WHERE chain_id = '" + A + "' AND seq = " + seq;
    }

    private static String relink(long seq) {
        return "UPDATE ledger_record SET prev_hash = (SELECT hash FROM ledger_record WHERE chain_id = '" + A + "' AND seq = "
                + (seq - 1) + ") WHERE chain_id = '" + A + "' AND seq = " + seq;
    }
}
