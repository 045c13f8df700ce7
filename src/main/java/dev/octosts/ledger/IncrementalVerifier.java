package dev.octosts.ledger;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Ledger verification that a caller cannot turn into a load on the database: each call walks at most a
 * fixed number of records, continuing where the previous call left each chain, and only one call runs
 * at a time. The positions live in this process's memory, so a restart begins again at the start of
 * every chain. A record verified by an earlier call is not read again; {@link LedgerVerifier#verify()}
 * ({@code octo-sts audit verify}) walks everything.
 */
public final class IncrementalVerifier {
    private final LedgerVerifier verifier;
    private final int maxRecords;
    private final ReentrantLock running = new ReentrantLock();
    /** Guarded by {@link #running}. */
    private final Map<UUID, LedgerVerifier.Position> verified = new HashMap<>();

    /** @param maxRecords the most records one call walks */
    public IncrementalVerifier(LedgerVerifier verifier, int maxRecords) {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("maxRecords must be positive");
        }
        this.verifier = verifier;
        this.maxRecords = maxRecords;
    }

    /**
     * Verifies the next portion of the ledger.
     *
     * @return empty when another verification is running
     * @throws org.jooq.exception.DataAccessException when the database cannot be read
     */
    public Optional<IncrementalReport> tryVerify() {
        if (!running.tryLock()) {
            return Optional.empty();
        }
        try {
            IncrementalReport report = verifier.verifyAfter(verified, maxRecords);
            verified.putAll(report.reached());
            return Optional.of(report);
        } finally {
            running.unlock();
        }
    }
}
