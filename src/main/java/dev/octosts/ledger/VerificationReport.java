package dev.octosts.ledger;

import java.util.Optional;
import java.util.UUID;

/**
 * What {@link LedgerVerifier#verify()} found. The counts are what was checked: all of the ledger when
 * there is no problem, what came before the first problem otherwise.
 */
public record VerificationReport(long records, int chains, long checkpoints, Optional<Problem> firstProblem) {

    public boolean verified() {
        return firstProblem.isEmpty();
    }

    /** The first broken record: the chain, the seq where the break is, and what is wrong. */
    public record Problem(UUID chainId, long seq, Kind kind, String detail) {
        public enum Kind {
            /** The record's content, hash or query columns differ from what was written. */
            CHANGED,
            /** A record is gone: a gap in the seqs, or records a signed checkpoint covers do not exist. */
            MISSING,
            /** An intact record sits at another place than it was written to. */
            REORDERED,
            /** A checkpoint is not signed by a trusted ledger key over exactly its values. */
            SIGNATURE_INVALID,
            /** A validly signed checkpoint names a different hash than the record at its seq. */
            CHECKPOINT_MISMATCH,
            /** The stored text is not the RFC 8785 canonical form of its JSON. */
            NOT_CANONICAL,
            /** A second record of the chain has a seq already taken (in another month's partition). */
            DUPLICATE;

            /** Lower case with spaces, e.g. {@code signature invalid}. */
            public String label() {
                return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
            }
        }
    }
}
