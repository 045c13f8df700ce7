package dev.octosts.ledger;

import static dev.octosts.ledger.schema.Tables.LEDGER_CHAIN;
import static dev.octosts.ledger.schema.Tables.LEDGER_CHECKPOINT;
import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

import dev.octosts.ledger.LedgerVerifier.Position;
import dev.octosts.ledger.VerificationReport.Problem;
import dev.octosts.ledger.schema.tables.records.LedgerCheckpointRecord;
import dev.octosts.ledger.schema.tables.records.LedgerRecordRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Result;
import org.jooq.SelectLimitPercentStep;
import org.jooq.impl.DSL;

/** One verification run of {@link LedgerVerifier} over one connection: the walk over all chains. */
final class LedgerWalk {
    private static final int PAGE_SIZE = 1000;
    /** PostgreSQL orders uuids by their bytes, which is the order of their lowercase text. */
    private static final Comparator<UUID> DATABASE_ORDER = Comparator.comparing(UUID::toString);
    /**
     * How long before a checkpoint's signing a record after it may have been recorded: its time is taken
     * when the exchange is decided, and it may wait for the records before it (bounded by the append
     * timeout, far below this).
     */
    static final Duration RECORDED_SLACK = Duration.ofDays(1);

    private final DSLContext db;
    private final CheckpointVerifier checkpointVerifier;
    private final ChainWalk.Counts counts = new ChainWalk.Counts();
    /** Where each pruned chain's records in the database start: its records up to there are in an archive. */
    private final Map<UUID, Position> cuts;
    /** Asked between pages: true when the run no longer needs this walk's result. */
    private final BooleanSupplier abandoned;

    LedgerWalk(DSLContext db, CheckpointVerifier checkpointVerifier) {
        this(db, checkpointVerifier, LedgerPrune.cuts(db), () -> false);
    }

    LedgerWalk(DSLContext db, CheckpointVerifier checkpointVerifier, Map<UUID, Position> cuts,
            BooleanSupplier abandoned) {
        this.db = db;
        this.checkpointVerifier = checkpointVerifier;
        this.cuts = cuts;
        this.abandoned = abandoned;
    }

    /** The later of {@code reached} and the chain's prune cut: records before a cut are gone from the database. */
    private Position start(UUID id, Position reached) {
        Position cut = cuts.get(id);
        return cut == null || cut.seq() <= reached.seq() ? reached : cut;
    }

    /** Verifies one whole chain, from its start or its prune cut to its end, with its checkpoints. */
    VerificationReport runChain(UUID id) {
        Optional<Problem> problem = walkOn(wholeChain(id), DSL.noCondition(), Long.MAX_VALUE).problem();
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
            ChainWalk chain = new ChainWalk(db, checkpointVerifier, counts, id, start(id, from.getOrDefault(id, Position.START)));
            Outcome outcome = walkOn(chain, DSL.noCondition(), maxRecords);
            reached.put(id, chain.position());
            if (outcome.problem().isPresent()) {
                return report(earlier, false, outcome.problem(), reached);
            }
            if (!outcome.ended()) {
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

    /**
     * Verifies the window from {@code since}: each chain from its last checkpoint signed at or before
     * {@code since} (its signature checked, its seq and hash trusted as the start), or from its start
     * when it has none, to its end, and the checkpoints after that start. Records before a starting
     * checkpoint are not read: the walk reads only months from {@link #RECORDED_SLACK} before it.
     */
    WindowReport runSince(Instant since) {
        Map<UUID, LedgerCheckpointRecord> starts = new HashMap<>();
        for (LedgerCheckpointRecord checkpoint : db.select(LEDGER_CHECKPOINT.fields())
                .distinctOn(LEDGER_CHECKPOINT.CHAIN_ID)
                .from(LEDGER_CHECKPOINT)
                .where(LEDGER_CHECKPOINT.SIGNED_AT.le(since.atOffset(ZoneOffset.UTC)))
                .orderBy(LEDGER_CHECKPOINT.CHAIN_ID, LEDGER_CHECKPOINT.SEQ.desc())
                .fetchInto(LEDGER_CHECKPOINT)) {
            starts.put(checkpoint.getChainId(), checkpoint);
        }
        NavigableSet<UUID> ids = new TreeSet<>(DATABASE_ORDER);
        ids.addAll(db.select(LEDGER_CHAIN.CHAIN_ID).from(LEDGER_CHAIN).fetch(LEDGER_CHAIN.CHAIN_ID));
        ids.addAll(db.selectDistinct(LEDGER_CHECKPOINT.CHAIN_ID).from(LEDGER_CHECKPOINT)
                .fetch(LEDGER_CHECKPOINT.CHAIN_ID));
        Optional<Instant> readFrom = starts.values().stream()
                .map(checkpoint -> checkpoint.getSignedAt().toInstant().minus(RECORDED_SLACK))
                .min(Comparator.naturalOrder());
        int fromStart = ids.size() - starts.size();
        for (UUID id : ids) {
            LedgerCheckpointRecord start = starts.get(id);
            Optional<Problem> problem;
            if (start == null) {
                problem = walkOn(new ChainWalk(db, checkpointVerifier, counts, id, start(id, Position.START)),
                        DSL.noCondition(), Long.MAX_VALUE).problem();
            } else {
                problem = checkStart(start);
                if (problem.isEmpty()) {
                    ChainWalk chain = new ChainWalk(db, checkpointVerifier, counts, id,
                            start(id, new Position(start.getSeq(), start.getHash())));
                    problem = walkOn(chain, recordedFrom(start), Long.MAX_VALUE).problem();
                }
            }
            if (problem.isPresent()) {
                return windowReport(since, starts.size(), fromStart, readFrom, problem);
            }
        }
        return windowReport(since, starts.size(), fromStart, readFrom, Optional.empty());
    }

    private WindowReport windowReport(Instant since, int fromCheckpoint, int fromStart, Optional<Instant> readFrom,
            Optional<Problem> problem) {
        return new WindowReport(since, fromCheckpoint, fromStart, fromStart == 0 ? readFrom : Optional.empty(),
                new VerificationReport(counts.records, counts.chains, counts.checkpoints, problem));
    }

    /** The checkpoint a window starts from: trusted for its seq and hash once its signature holds. */
    private Optional<Problem> checkStart(LedgerCheckpointRecord checkpoint) {
        Optional<Problem> problem = checkpointVerifier.check(checkpoint.getChainId(), checkpoint.getSeq(),
                        checkpoint.getHash(), checkpoint.getSignedAt().toInstant(), checkpoint.getKeyId(),
                        checkpoint.getSignature())
                .map(why -> new Problem(checkpoint.getChainId(), checkpoint.getSeq(), Problem.Kind.SIGNATURE_INVALID,
                        "the checkpoint the window starts from: " + why));
        if (problem.isEmpty()) {
            counts.checkpoints++;
        }
        return problem;
    }

    /**
     * The records a walk from {@code checkpoint} reads: those recorded from {@link #RECORDED_SLACK} before
     * its signing, so that only their months' partitions are read. A record after it with an earlier time
     * is not read, and the walk then reports it missing: a false alarm, never a silent pass.
     */
    static Condition recordedFrom(LedgerCheckpointRecord checkpoint) {
        return LEDGER_RECORD.RECORDED_AT.ge(checkpoint.getSignedAt().minus(RECORDED_SLACK));
    }

    /** What {@link #walkOn} found: a problem, or whether it reached the chain's end (not the record limit). */
    private record Outcome(Optional<Problem> problem, boolean ended) {
    }

    /**
     * Feeds {@code chain} its records after its position that meet {@code bound}, page by page, until the
     * chain's end (then {@link ChainWalk#finish}), a problem, or {@code maxRecords} records in this run.
     */
    private Outcome walkOn(ChainWalk chain, Condition bound, long maxRecords) {
        Optional<Problem> problem = Optional.empty();
        boolean ended = false;
        while (problem.isEmpty() && !ended && counts.records < maxRecords && !abandoned.getAsBoolean()) {
            int wanted = (int) Math.min(PAGE_SIZE, maxRecords - counts.records);
            Result<LedgerRecordRecord> page = recordsAfter(chain.id(), chain.position().seq(), bound, wanted).fetch();
            for (LedgerRecordRecord record : page) {
                problem = chain.accept(record);
                if (problem.isPresent()) {
                    break;
                }
            }
            ended = page.size() < wanted;
            if (problem.isEmpty() && !ended) {
                problem = acceptOthersWithSeq(chain, page.getLast(), bound);
            }
        }
        if (problem.isEmpty() && ended) {
            problem = chain.finish();
        }
        return new Outcome(problem, ended);
    }

    /** A page of chain {@code id}'s records after {@code seq} that meet {@code bound}. */
    SelectLimitPercentStep<LedgerRecordRecord> recordsAfter(UUID id, long seq, Condition bound, int limit) {
        return db.selectFrom(LEDGER_RECORD)
                .where(LEDGER_RECORD.CHAIN_ID.eq(id), LEDGER_RECORD.SEQ.gt(seq), bound)
                // a seq taken twice (in two months) comes in order of time: the later one is the duplicate
                .orderBy(LEDGER_RECORD.SEQ, LEDGER_RECORD.RECORDED_AT)
                .limit(limit);
    }

    /**
     * Every chain in the database's order of chain ids: chains registered, chains with checkpoints, and
     * chains that only have records.
     */
    static List<UUID> chainIds(DSLContext db) {
        NavigableSet<UUID> ids = new TreeSet<>(DATABASE_ORDER);
        ids.addAll(db.select(LEDGER_CHAIN.CHAIN_ID).from(LEDGER_CHAIN).fetch(LEDGER_CHAIN.CHAIN_ID));
        ids.addAll(db.selectDistinct(LEDGER_CHECKPOINT.CHAIN_ID).from(LEDGER_CHECKPOINT)
                .fetch(LEDGER_CHECKPOINT.CHAIN_ID));
        ids.addAll(db.selectDistinct(LEDGER_RECORD.CHAIN_ID).from(LEDGER_RECORD).fetch(LEDGER_RECORD.CHAIN_ID));
        return List.copyOf(ids);
    }

    /**
     * Feeds {@code chain} the other records with the seq of {@code last}, the last record of a page:
     * the next page starts after that seq, so a duplicate of it in another month's partition would be
     * on no page. Records are unique by (chain, seq, recorded_at): one recorded_at is one partition.
     */
    private Optional<Problem> acceptOthersWithSeq(ChainWalk chain, LedgerRecordRecord last, Condition bound) {
        for (LedgerRecordRecord other : db.selectFrom(LEDGER_RECORD)
                .where(LEDGER_RECORD.CHAIN_ID.eq(last.getChainId()), LEDGER_RECORD.SEQ.eq(last.getSeq()),
                        LEDGER_RECORD.RECORDED_AT.ne(last.getRecordedAt()), bound)
                .orderBy(LEDGER_RECORD.RECORDED_AT)
                .fetch()) {
            Optional<Problem> problem = chain.accept(other);
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    private ChainWalk wholeChain(UUID id) {
        return new ChainWalk(db, checkpointVerifier, counts, id, start(id, Position.START));
    }
}
