package dev.octosts.ledger;

import dev.octosts.ledger.VerificationReport.Problem;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What one bounded verification found.
 *
 * @param records                the records checked in this walk (before the first problem, if any)
 * @param recordsVerifiedEarlier the records before the walk's starting positions: verified by earlier
 *                               walks and not read again
 * @param chains                 the chains this walk looked at
 * @param checkpoints            the checkpoints checked in this walk
 * @param complete               every chain was walked to its last record; false when the record limit
 *                               or a problem stopped the walk
 * @param reached                where the walk left each chain it looked at: the positions to continue from
 */
public record IncrementalReport(long records, long recordsVerifiedEarlier, int chains, long checkpoints,
                                boolean complete, Optional<Problem> firstProblem,
                                Map<UUID, LedgerVerifier.Position> reached) {

    public IncrementalReport {
        reached = Map.copyOf(reached);
    }

    public boolean verified() {
        return firstProblem.isEmpty();
    }
}
