package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.keys.SigningKey;
import dev.octosts.ledger.VerificationReport.Problem;
import dev.octosts.ledger.VerificationReport.Problem.Kind;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Verification in bounded portions, each continuing where the last stopped, against a real PostgreSQL. */
class IncrementalVerifierTest {
    private static final SigningKey KEY = LedgerVerifierFixture.rsaKey();
    private static final CheckpointSigner SIGNER = new CheckpointSigner(KEY);
    private static final Instant T0 = LedgerVerifierFixture.T0;

    private static IncrementalVerifier verifier(LedgerVerifierFixture ledger, int maxRecords) {
        return new IncrementalVerifier(new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey())), maxRecords);
    }

    private static String editScope(long seq) {
        return "UPDATE ledger_record SET scope = 'acme/other' WHERE chain_id = '" + LedgerVerifierFixture.A
                + "' AND seq = " + seq;
    }

    private static IncrementalReport next(IncrementalVerifier verifier) {
        return verifier.tryVerify().orElseThrow();
    }

    /** Chain A: 5 records checkpointed at 5; chain B: 3 records checkpointed at 3; 3 records per call. */
    @Test
    void eachCallWalksAtMostTheLimitAndContinuesWhereTheLastStopped() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(SIGNER);
        IncrementalVerifier verifier = verifier(ledger, 3);

        IncrementalReport first = next(verifier);
        assertThat(first).extracting(IncrementalReport::records, IncrementalReport::recordsVerifiedEarlier,
                IncrementalReport::checkpoints, IncrementalReport::complete, IncrementalReport::verified)
                .containsExactly(3L, 0L, 0L, false, true);
        IncrementalReport second = next(verifier);
        assertThat(second).extracting(IncrementalReport::records, IncrementalReport::recordsVerifiedEarlier,
                IncrementalReport::checkpoints, IncrementalReport::complete)
                .containsExactly(3L, 3L, 1L, false);
        IncrementalReport third = next(verifier);
        assertThat(third).extracting(IncrementalReport::records, IncrementalReport::recordsVerifiedEarlier,
                IncrementalReport::checkpoints, IncrementalReport::complete, IncrementalReport::verified)
                .containsExactly(2L, 6L, 1L, true, true);

        assertThat(next(verifier)).extracting(IncrementalReport::records, IncrementalReport::recordsVerifiedEarlier,
                IncrementalReport::complete).containsExactly(0L, 8L, true);

        ledger.append(LedgerVerifierFixture.A, LedgerVerifierFixture.allowed(T0.plusSeconds(60), "acme/app",
                "repo:acme/app:ref:refs/heads/main"));
        assertThat(next(verifier)).extracting(IncrementalReport::records, IncrementalReport::recordsVerifiedEarlier,
                IncrementalReport::complete).containsExactly(1L, 8L, true);
    }

    @Test
    void aBreakAfterTheVerifiedPartIsFoundAndReportedAgainUntilRepaired() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(SIGNER);
        IncrementalVerifier verifier = verifier(ledger, 1000);
        assertThat(next(verifier).verified()).isTrue();

        ledger.append(LedgerVerifierFixture.A, List.of(
                LedgerVerifierFixture.allowed(T0.plusSeconds(60), "acme/app", "repo:acme/app:ref:refs/heads/main"),
                LedgerVerifierFixture.allowed(T0.plusSeconds(61), "acme/app", "repo:acme/app:ref:refs/heads/main")));
        ledger.tamper(editScope(7));

        // The second call starts after seq 6, verified by the first.
        for (long records : new long[] {1, 0}) {
            IncrementalReport report = next(verifier);
            assertThat(report.complete()).isFalse();
            assertThat(report.records()).isEqualTo(records);
            assertThat(report.firstProblem()).hasValueSatisfying(problem -> assertThat(problem)
                    .extracting(Problem::chainId, Problem::seq, Problem::kind)
                    .containsExactly(LedgerVerifierFixture.A, 7L, Kind.CHANGED));
        }
    }

    /**
     * The documented limit: what earlier calls verified is not read again, so a later edit there is left to
     * the full walk of {@code audit verify}.
     */
    @Test
    void recordsVerifiedEarlierAreLeftToTheFullWalk() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(SIGNER);
        IncrementalVerifier verifier = verifier(ledger, 1000);
        assertThat(next(verifier).verified()).isTrue();
        ledger.tamper(editScope(2));

        assertThat(next(verifier)).extracting(IncrementalReport::records, IncrementalReport::verified)
                .containsExactly(0L, true);
        assertThat(new LedgerVerifier(ledger.runtime(), List.of(KEY.publicKey())).verify().firstProblem())
                .map(Problem::seq).contains(2L);
    }

    /** From the start of the ledger, the bounded walk names the same first break as the full walk. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.octosts.ledger.LedgerVerifierTest#tampering")
    void fromTheStartTheFirstBreakIsTheFullWalks(LedgerVerifierTest.Tampering tampering) {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(LedgerVerifierTest.SIGNER);
        tampering.tamper().accept(ledger);

        IncrementalReport report = new IncrementalVerifier(
                new LedgerVerifier(ledger.runtime(), List.of(LedgerVerifierTest.KEY.publicKey())), 1000).tryVerify().orElseThrow();

        assertThat(report.firstProblem()).hasValueSatisfying(problem -> {
            assertThat(problem).extracting(Problem::chainId, Problem::seq, Problem::kind)
                    .containsExactly(tampering.chain(), tampering.seq(), tampering.kind());
            assertThat(problem.detail()).contains(tampering.detail());
        });
        assertThat(report.complete()).isFalse();
    }

    /** A checkpoint after every record: each call checks the ones its records reach, and truncation is still caught. */
    @Test
    void checkpointsAreCheckedInTheSamePortionsAndStillCatchATruncatedTail() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        ledger.newChain(LedgerVerifierFixture.A);
        for (int i = 0; i < 6; i++) {
            ledger.append(LedgerVerifierFixture.A, LedgerVerifierFixture.allowed(T0.plusSeconds(i), "acme/app",
                    "repo:acme/app:ref:refs/heads/main"));
            ledger.checkpoint(LedgerVerifierFixture.A, SIGNER, T0.plusSeconds(i));
        }
        IncrementalVerifier verifier = verifier(ledger, 2);
        long checkpoints = 0;
        IncrementalReport report;
        do {
            report = next(verifier);
            assertThat(report.verified()).isTrue();
            assertThat(report.checkpoints()).isEqualTo(report.records());
            checkpoints += report.checkpoints();
        } while (!report.complete());
        assertThat(checkpoints).isEqualTo(6);

        IncrementalVerifier fresh = verifier(ledger, 2);
        ledger.tamper(LedgerVerifierFixture.deleteRecords(LedgerVerifierFixture.A, 5, 6));
        assertThat(next(fresh).verified()).isTrue();
        assertThat(next(fresh).verified()).isTrue();
        assertThat(next(fresh).firstProblem()).hasValueSatisfying(problem -> assertThat(problem)
                .extracting(Problem::seq, Problem::kind).containsExactly(5L, Kind.MISSING));
    }

    @Test
    void anEmptyLedgerIsComplete() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        assertThat(next(verifier(ledger, 10))).isEqualTo(new IncrementalReport(0, 0, 0, 0, true, Optional.empty(),
                java.util.Map.of()));
    }
}
