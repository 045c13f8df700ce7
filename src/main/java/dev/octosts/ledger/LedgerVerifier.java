package dev.octosts.ledger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/**
 * Walks every chain of the ledger in seq order and every checkpoint, and reports the first break:
 * a gap in the seqs, a record whose hash, link, canonical text or query columns (each its document field,
 * or that field {@linkplain LedgerText#column bounded}) do not hold, an intact
 * record at the wrong place, or a checkpoint that is not validly signed or does not match its record.
 * Signed checkpoints also catch records deleted from the end of a chain, up to the last checkpoint.
 * Records are read in pages, never the whole table at once. The chains are walked side by side, each on
 * its own connection, by as many threads as the machine has processors (at most one per chain), so memory
 * stays at one page and one chain's checkpoints per thread.
 *
 * <p>{@link #verifyAfter} does the same work in bounded portions: chain by chain, only the records after
 * the positions an earlier walk reached, and at most a given number of them.
 *
 * <p>{@link #verifySince} verifies a window: each chain from its last signed checkpoint before the window,
 * reading only the months from there on.
 *
 * <p>The walk over the chains is {@link LedgerWalk}, the walk along one chain and its checkpoints
 * {@link ChainWalk}, the checks of one record's own text and columns {@link RecordCheck}.
 */
public final class LedgerVerifier {
    private final DataSource dataSource;
    private final CheckpointVerifier checkpointVerifier;
    private final int parallelism;

    /** @param trustedCheckpointKeys the ledger public keys checkpoints may be signed with */
    public LedgerVerifier(DataSource dataSource, List<PublicKey> trustedCheckpointKeys) {
        this(dataSource, trustedCheckpointKeys, Runtime.getRuntime().availableProcessors());
    }

    /** @param parallelism how many chains {@link #verify()} walks at once, each on its own connection */
    public LedgerVerifier(DataSource dataSource, List<PublicKey> trustedCheckpointKeys, int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1");
        }
        this.dataSource = dataSource;
        this.checkpointVerifier = new CheckpointVerifier(trustedCheckpointKeys);
        this.parallelism = parallelism;
    }

    /**
     * Walks every chain, several at once, and reports as a walk one chain after the other in the database's
     * order of chain ids would: the first problem in that order, and the counts up to it.
     *
     * @throws DataAccessException when the database cannot be read
     */
    public VerificationReport verify() {
        List<UUID> ids;
        Map<UUID, Position> cuts;
        try (Connection connection = dataSource.getConnection()) {
            DSLContext db = DSL.using(connection, SQLDialect.POSTGRES);
            ids = LedgerWalk.chainIds(db);
            cuts = LedgerPrune.cuts(db);
        } catch (SQLException e) {
            throw cannotConnect(e);
        }
        // Chains after one found broken are no longer needed: the report ends at the first broken one.
        AtomicInteger firstBroken = new AtomicInteger(Integer.MAX_VALUE);
        ExecutorService walkers = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelism, ids.size())),
                Thread.ofPlatform().name("ledger-verify-", 1).daemon().factory());
        try {
            List<Future<VerificationReport>> walks = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                int index = i;
                walks.add(walkers.submit(() -> {
                    VerificationReport chain = walkChain(ids.get(index), cuts, () -> firstBroken.get() < index);
                    if (!chain.verified()) {
                        firstBroken.accumulateAndGet(index, Math::min);
                    }
                    return chain;
                }));
            }
            long records = 0;
            int chains = 0;
            long checkpoints = 0;
            for (Future<VerificationReport> walk : walks) {
                VerificationReport chain = result(walk);
                records += chain.records();
                chains += chain.chains();
                checkpoints += chain.checkpoints();
                if (!chain.verified()) {
                    return new VerificationReport(records, chains, checkpoints, chain.firstProblem());
                }
            }
            return new VerificationReport(records, chains, checkpoints, Optional.empty());
        } finally {
            walkers.shutdownNow();
        }
    }

    private VerificationReport walkChain(UUID id, Map<UUID, Position> cuts, BooleanSupplier abandoned) {
        try (Connection connection = dataSource.getConnection()) {
            return new LedgerWalk(DSL.using(connection, SQLDialect.POSTGRES), checkpointVerifier, cuts, abandoned)
                    .runChain(id);
        } catch (SQLException e) {
            throw cannotConnect(e);
        }
    }

    private static VerificationReport result(Future<VerificationReport> walk) {
        try {
            return walk.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataAccessException("interrupted while verifying the ledger", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static DataAccessException cannotConnect(SQLException e) {
        return new DataAccessException("cannot connect to the ledger database: " + e.getMessage(), e);
    }

    /**
     * Where a walk left a chain: its records up to {@code seq} were verified, the last one has {@code hash}
     * (the start of a chain is seq 0 with {@link ChainHead#EMPTY_HASH}).
     */
    public record Position(long seq, String hash) {
        static final Position START = new Position(0, ChainHead.EMPTY_HASH);
    }

    /**
     * Verifies the chains registered in {@code ledger_chain}, each from the position in {@code from} (its
     * start when absent), walking at most {@code maxRecords} records, and the checkpoints after those
     * positions. Records before a position are trusted as verified and not read again.
     *
     * @throws DataAccessException when the database cannot be read
     */
    public IncrementalReport verifyAfter(Map<UUID, Position> from, int maxRecords) {
        try (Connection connection = dataSource.getConnection()) {
            return new LedgerWalk(DSL.using(connection, SQLDialect.POSTGRES), checkpointVerifier)
                    .runAfter(from, maxRecords);
        } catch (SQLException e) {
            throw cannotConnect(e);
        }
    }

    /**
     * Verifies the ledger from {@code since}: each chain from its last checkpoint signed at or before it
     * (the checkpoint's signature is checked, its seq and hash trusted as the start of the walk) or, when
     * it has none, from its first record, to its end, with the checkpoints after that start. Records
     * before a starting checkpoint are not read, so a change to them goes unseen here; {@link #verify()}
     * reads everything.
     *
     * @throws DataAccessException when the database cannot be read
     */
    public WindowReport verifySince(Instant since) {
        try (Connection connection = dataSource.getConnection()) {
            return new LedgerWalk(DSL.using(connection, SQLDialect.POSTGRES), checkpointVerifier).runSince(since);
        } catch (SQLException e) {
            throw cannotConnect(e);
        }
    }

    /** Lowercase hex SHA-256 of the previous hash's bytes followed by the canonical text's UTF-8 bytes. */
    static String chainHash(String prevHash, String canonical) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(HexFormat.of().parseHex(prevHash));
            return HexFormat.of().formatHex(sha256.digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
