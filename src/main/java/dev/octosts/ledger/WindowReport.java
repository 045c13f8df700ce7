package dev.octosts.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * What {@link LedgerVerifier#verifySince} found.
 *
 * @param since                the window's start
 * @param chainsFromCheckpoint the chains walked from their last checkpoint signed at or before {@code since}
 * @param chainsFromStart      the chains without such a checkpoint, walked from their first record
 * @param readFrom             the earliest record time read, when every chain started at a checkpoint;
 *                             empty when a chain was walked from its start
 * @param report               what the walk checked and its first problem, as {@code audit verify} reports it
 */
public record WindowReport(Instant since, int chainsFromCheckpoint, int chainsFromStart, Optional<Instant> readFrom,
                           VerificationReport report) {
}
