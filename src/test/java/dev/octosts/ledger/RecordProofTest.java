package dev.octosts.ledger;

import static dev.octosts.ledger.LedgerVerifierFixture.A;
import static dev.octosts.ledger.LedgerVerifierFixture.B;
import static dev.octosts.ledger.LedgerVerifierFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.exchange.Decision;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A record page's verification state, and the console's searches, over a ledger of two chains. */
class RecordProofTest {
    private final CheckpointSigner signer = new CheckpointSigner(LedgerVerifierFixture.rsaKey());
    private final LedgerVerifierFixture ledger = LedgerVerifierFixture.twoChains(signer);
    private final RecordProof proof = new RecordProof(ledger.runtime(), List.of(signer.publicKey()));

    @Test
    void aRecordBoundByASignedCheckpointIsVerified() {
        RecordProof.Result result = proof.check(A, 2);
        assertThat(result.state()).isEqualTo(RecordProof.State.VERIFIED);
        assertThat(result.checkpointSeq()).isEqualTo(5);
        assertThat(proof.check(A, 5).state()).isEqualTo(RecordProof.State.VERIFIED);
    }

    @Test
    void aRecordAfterTheLastCheckpointIsNotYetCheckpointed() {
        ledger.append(B, LedgerVerifierFixture.allowed(T0.plusSeconds(40), "other/x", "repo:other/x:ref:refs/heads/main"));
        assertThat(proof.check(B, 4).state()).isEqualTo(RecordProof.State.NOT_YET_CHECKPOINTED);
        assertThat(proof.check(B, 3).state()).isEqualTo(RecordProof.State.VERIFIED);
    }

    @Test
    void anEditedRecordFailsForItselfAndForTheRecordsBeforeIt() {
        ledger.tamper(LedgerVerifierFixture.flipDecision(A, 3));
        assertThat(proof.check(A, 3).state()).isEqualTo(RecordProof.State.FAILED);
        RecordProof.Result earlier = proof.check(A, 1);
        assertThat(earlier.state()).isEqualTo(RecordProof.State.FAILED);
        assertThat(earlier.detail()).contains("record 3");
        assertThat(proof.check(B, 1).state()).isEqualTo(RecordProof.State.VERIFIED);
    }

    @Test
    void aDeletedRecordOrAnUntrustedCheckpointFails() {
        ledger.tamper(LedgerVerifierFixture.deleteRecords(A, 4, 4));
        RecordProof.Result before = proof.check(A, 2);
        assertThat(before.state()).isEqualTo(RecordProof.State.FAILED);
        assertThat(before.detail()).contains("record 4 is missing");
        RecordProof otherKey = new RecordProof(ledger.runtime(),
                List.of(new CheckpointSigner(LedgerVerifierFixture.rsaKey()).publicKey()));
        assertThat(otherKey.check(B, 1).state()).isEqualTo(RecordProof.State.FAILED);
    }

    @Test
    void searchesPageAndCountAndTheOverviewRanksDenials() {
        LedgerSearch search = new LedgerSearch(ledger.runtime());
        LedgerQuery.Filter everything = new LedgerQuery.Filter(null, null, null, null, null, null, null);
        LedgerSearch.Page first = search.search(new LedgerSearch.Criteria(everything, null), 0, 3);
        assertThat(first.total()).isEqualTo(8);
        assertThat(first.records()).extracting(r -> r.path("seq").asLong()).containsExactly(3L, 2L, 1L);
        assertThat(search.search(new LedgerSearch.Criteria(everything, null), 6, 3).records())
                .extracting(r -> r.path("chain_id").asText() + " " + r.path("seq").asLong()).containsExactly(A + " 2", A + " 1");

        LedgerSearch.Page denied = search.search(new LedgerSearch.Criteria(new LedgerQuery.Filter(null, null, "acme/app",
                null, Decision.DENY, null, null), "subject_mismatch"), 0, 10);
        assertThat(denied.total()).isEqualTo(1);
        assertThat(search.search(new LedgerSearch.Criteria(everything, "no_such_reason"), 0, 10).total()).isZero();
        assertThat(search.record(A, 3).orElseThrow().path("reason").asText()).isEqualTo("subject_mismatch");
        assertThat(search.record(A, 99)).isEmpty();

        assertThat(search.topDenied(T0.minusSeconds(60), LedgerSearch.Column.REASON, 10))
                .containsExactlyInAnyOrder(new LedgerSearch.Count("subject_mismatch", 1),
                        new LedgerSearch.Count("github_unavailable", 1));
        assertThat(search.topDenied(T0.minusSeconds(60), LedgerSearch.Column.SUBJECT, 10))
                .containsExactly(new LedgerSearch.Count("repo:acme/app:ref:refs/heads/dev", 1));
        assertThat(search.buckets(T0.minusSeconds(3600), Duration.ofHours(1)).stream()
                .mapToLong(LedgerSearch.Bucket::count).sum()).isEqualTo(8);
        assertThat(search.chains()).extracting(LedgerSearch.ChainState::lastSeq).containsExactlyInAnyOrder(5L, 3L);
        assertThat(search.chains()).allSatisfy(chain -> assertThat(chain.checkpointSeq()).isEqualTo(chain.lastSeq()));
    }
}
