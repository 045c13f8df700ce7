package dev.octosts.ledger;

import static dev.octosts.ledger.schema.Tables.LEDGER_CHAIN;
import static dev.octosts.ledger.schema.Tables.LEDGER_CHECKPOINT;
import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

import dev.octosts.ledger.LedgerVerifier.Position;
import dev.octosts.ledger.VerificationReport.Problem;
import dev.octosts.ledger.schema.tables.records.LedgerRecordRecord;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Result;
import org.jooq.impl.DSL;

/** One verification run of {@link LedgerVerifier} over one connection: the walk over all chains. */
final class LedgerWalk {
    private static final int PAGE_SIZE = 1000;
    /** PostgreSQL orders uuids by their bytes, which is the order of their lowercase text. */
    private static final Comparator<UUID> DATABASE_ORDER = Comparator.comparing(UUID::toString);

    private final DSLContext db;
    private final CheckpointVerifier checkpointVerifier;
    private final ChainWalk.Counts counts = new ChainWalk.Counts();
    /** Where each pruned chain's records in the database start: its records up to there are in an archive. */
    private final Map<UUID, Position> cuts;

    LedgerWalk(DSLContext db, CheckpointVerifier checkpointVerifier) {
        this.db = db;
        this.checkpointVerifier = checkpointVerifier;
        this.cuts = LedgerPrune.cuts(db);
    }

    /** The later of {@code reached} and the chain's prune cut: records before a cut are gone from the database. */
    private Position start(UUID id, Position reached) {
        Position cut = cuts.get(id);
        return cut == null || cut.seq() <= reached.seq() ? reached : cut;
    }

    VerificationReport run() {
        Optional<Problem> problem = walk();
        return new VerificationReport(counts.records, counts.chains, counts.checkpoints, problem);
    }

    IncrementalReport runAfter(Map<UUID, Position> from, int maxRecords) {
        long earlier = from.values().stream().mapToLong(Position::seq).sum();
        Map<UUID, Position> reached = new HashMap<>();
        List<UUID> ids = db.select(LEDGER_CHAIN.CHAIN_ID).from(LEDGER_CHAIN)
                .orderBy(LEDGER_CHAIN.CHAIN_ID).fetch(LEDGER_CHAIN.CHAIN_ID);
        for (UUID id : ids) {
            if (counts.records >= maxRecords) {
                return report(earlier, false, Optional.empty(), reached);
            }
            ChainWalk chain = new ChainWalk(db, checkpointVerifier, counts, id, start(id, from.getOrDefault(id, Position.START)),
                    (int) (maxRecords - counts.records));
            Optional<Problem> problem = Optional.empty();
            boolean ended = false;
            while (problem.isEmpty() && !ended && counts.records < maxRecords) {
                int wanted = (int) Math.min(PAGE_SIZE, maxRecords - counts.records);
                Result<LedgerRecordRecord> page = db.selectFrom(LEDGER_RECORD)
                        .where(LEDGER_RECORD.CHAIN_ID.eq(id), LEDGER_RECORD.SEQ.gt(chain.position().seq()))
                        // a seq taken twice (in two months) comes in order of time: the later one is the duplicate
                        .orderBy(LEDGER_RECORD.SEQ, LEDGER_RECORD.RECORDED_AT)
                        .limit(wanted)
                        .fetch();
                for (LedgerRecordRecord record : page) {
                    problem = chain.accept(record);
                    if (problem.isPresent()) {
                        break;
                    }
                }
                ended = page.size() < wanted;
                if (problem.isEmpty() && !ended) {
                    problem = acceptOthersWithSeq(chain, page.getLast());
                }
            }
            if (problem.isEmpty() && ended) {
                problem = chain.finish();
            }
            reached.put(id, chain.position());
            if (problem.isPresent()) {
                return report(earlier, false, problem, reached);
            }
            if (!ended) {
                return report(earlier, false, Optional.empty(), reached);
            }
        }
        return report(earlier, true, Optional.empty(), reached);
    }

    private IncrementalReport report(long earlier, boolean complete, Optional<Problem> problem,
            Map<UUID, Position> reached) {
        return new IncrementalReport(counts.records, earlier, counts.chains, counts.checkpoints, complete, problem,
                reached);
    }

    private Optional<Problem> walk() {
        // Chains that may have no records left; a truncated chain still has its checkpoints.
        NavigableSet<UUID> notWalked = new TreeSet<>(DATABASE_ORDER);
        notWalked.addAll(db.select(LEDGER_CHAIN.CHAIN_ID).from(LEDGER_CHAIN).fetch(LEDGER_CHAIN.CHAIN_ID));
        notWalked.addAll(db.selectDistinct(LEDGER_CHECKPOINT.CHAIN_ID).from(LEDGER_CHECKPOINT)
                .fetch(LEDGER_CHECKPOINT.CHAIN_ID));
        ChainWalk chain = null;
        LedgerRecordRecord last = null;
        while (true) {
            Result<LedgerRecordRecord> page = db.selectFrom(LEDGER_RECORD)
                    .where(last == null ? DSL.noCondition()
                            : DSL.row(LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ).gt(last.getChainId(), last.getSeq()))
                    .orderBy(LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ, LEDGER_RECORD.RECORDED_AT)
                    .limit(PAGE_SIZE)
                    .fetch();
            for (LedgerRecordRecord record : page) {
                if (chain == null || !chain.id().equals(record.getChainId())) {
                    Optional<Problem> problem = chain == null ? Optional.empty() : chain.finish();
                    if (problem.isEmpty()) {
                        problem = walkChainsWithoutRecords(notWalked.headSet(record.getChainId(), false));
                    }
                    if (problem.isPresent()) {
                        return problem;
                    }
                    notWalked.remove(record.getChainId());
                    chain = wholeChain(record.getChainId());
                }
                Optional<Problem> problem = chain.accept(record);
                if (problem.isPresent()) {
                    return problem;
                }
            }
            if (page.size() < PAGE_SIZE) {
                break;
            }
            last = page.getLast();
            Optional<Problem> problem = acceptOthersWithSeq(chain, last);
            if (problem.isPresent()) {
                return problem;
            }
        }
        Optional<Problem> problem = chain == null ? Optional.empty() : chain.finish();
        return problem.isPresent() ? problem : walkChainsWithoutRecords(notWalked);
    }

    /**
     * Feeds {@code chain} the other records with the seq of {@code last}, the last record of a page:
     * the next page starts after that seq, so a duplicate of it in another month's partition would be
     * on no page. Records are unique by (chain, seq, recorded_at): one recorded_at is one partition.
     */
    private Optional<Problem> acceptOthersWithSeq(ChainWalk chain, LedgerRecordRecord last) {
        for (LedgerRecordRecord other : db.selectFrom(LEDGER_RECORD)
                .where(LEDGER_RECORD.CHAIN_ID.eq(last.getChainId()), LEDGER_RECORD.SEQ.eq(last.getSeq()),
                        LEDGER_RECORD.RECORDED_AT.ne(last.getRecordedAt()))
                .orderBy(LEDGER_RECORD.RECORDED_AT)
                .fetch()) {
            Optional<Problem> problem = chain.accept(other);
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    /** Empties {@code ids}, checking each chain's checkpoints. */
    private Optional<Problem> walkChainsWithoutRecords(NavigableSet<UUID> ids) {
        for (Iterator<UUID> it = ids.iterator(); it.hasNext(); ) {
            UUID id = it.next();
            it.remove();
            Optional<Problem> problem = wholeChain(id).finish();
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    private ChainWalk wholeChain(UUID id) {
        return new ChainWalk(db, checkpointVerifier, counts, id, start(id, Position.START), Integer.MAX_VALUE);
    }
}
