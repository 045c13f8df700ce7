package dev.octosts.ledger;

import static dev.octosts.ledger.schema.Tables.LEDGER_CHECKPOINT;
import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

import dev.octosts.ledger.LedgerVerifier.Position;
import dev.octosts.ledger.VerificationReport.Problem;
import dev.octosts.ledger.VerificationReport.Problem.Kind;
import dev.octosts.ledger.schema.tables.records.LedgerCheckpointRecord;
import dev.octosts.ledger.schema.tables.records.LedgerRecordRecord;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The walk of {@link LedgerWalk} along one chain: the records arrive in seq order through {@link #accept},
 * each checked against the one before it and against the chain's signed checkpoints.
 */
final class ChainWalk {
    /** What the walks of one run have verified so far, shared by all its chains. */
    static final class Counts {
        long records;
        int chains;
        long checkpoints;
    }

    /** How many checkpoints a walk holds at once: its memory stays bounded however many a chain has. */
    static final int CHECKPOINT_PAGE = 1000;

    private final DSLContext db;
    private final CheckpointVerifier checkpointVerifier;
    private final Counts counts;
    private final UUID id;
    /** The chain's checkpoints after the records accepted so far, read a page at a time as the walk needs them. */
    private final NavigableMap<Long, LedgerCheckpointRecord> pendingCheckpoints = new TreeMap<>();
    /** The seq of the last checkpoint read so far (or the walk's start); none beyond it has been read. */
    private long checkpointsReadThrough;
    private boolean checkpointsAllRead;
    private long expectedSeq;
    private String previousHash;

    /** A walk that continues after {@code start}: checkpoints up to it were checked before. */
    ChainWalk(DSLContext db, CheckpointVerifier checkpointVerifier, Counts counts, UUID id, Position start) {
        this.db = db;
        this.checkpointVerifier = checkpointVerifier;
        this.counts = counts;
        this.id = id;
        this.expectedSeq = start.seq() + 1;
        this.previousHash = start.hash();
        this.checkpointsReadThrough = start.seq();
        counts.chains++;
    }

    /**
     * Reads the next page of checkpoints once those held are used up and the walk has reached {@code seq}
     * or beyond what was read: then the held ones are exactly those ahead of the walk.
     */
    private void readCheckpointsThrough(long seq) {
        while (pendingCheckpoints.isEmpty() && !checkpointsAllRead && checkpointsReadThrough < seq) {
            List<LedgerCheckpointRecord> page = db.selectFrom(LEDGER_CHECKPOINT)
                    .where(LEDGER_CHECKPOINT.CHAIN_ID.eq(id), LEDGER_CHECKPOINT.SEQ.gt(checkpointsReadThrough))
                    .orderBy(LEDGER_CHECKPOINT.SEQ)
                    .limit(CHECKPOINT_PAGE)
                    .fetch();
            for (LedgerCheckpointRecord checkpoint : page) {
                pendingCheckpoints.put(checkpoint.getSeq(), checkpoint);
            }
            checkpointsAllRead = page.size() < CHECKPOINT_PAGE;
            if (!page.isEmpty()) {
                checkpointsReadThrough = page.getLast().getSeq();
            }
        }
    }

    UUID id() {
        return id;
    }

    /** The last record accepted so far. */
    Position position() {
        return new Position(expectedSeq - 1, previousHash);
    }

    Optional<Problem> accept(LedgerRecordRecord record) {
        if (record.getSeq() == expectedSeq - 1 && expectedSeq > 1) {
            // Each month's partition refuses a seq twice; two months' partitions cannot see each other.
            return problem(record.getSeq(), Kind.DUPLICATE, "a second record has seq " + record.getSeq()
                    + " (recorded at " + record.getRecordedAt().toInstant() + ")");
        }
        if (record.getSeq() != expectedSeq) {
            return problem(expectedSeq, Kind.MISSING, "there is no record with seq " + expectedSeq
                    + "; the next record has seq " + record.getSeq());
        }
        Optional<Problem> problem = checkRecord(record);
        if (problem.isPresent()) {
            return problem;
        }
        counts.records++;
        previousHash = record.getHash();
        expectedSeq++;
        readCheckpointsThrough(record.getSeq());
        LedgerCheckpointRecord checkpoint = pendingCheckpoints.remove(record.getSeq());
        return checkpoint == null ? Optional.empty() : checkCheckpoint(checkpoint, record);
    }

    /** After the last record: checkpoints beyond it prove that records were removed from the end. */
    Optional<Problem> finish() {
        readCheckpointsThrough(Long.MAX_VALUE);
        for (LedgerCheckpointRecord checkpoint : pendingCheckpoints.values()) {
            Optional<Problem> signature = checkSignature(checkpoint);
            if (signature.isPresent()) {
                return signature;
            }
            return problem(expectedSeq, Kind.MISSING, (expectedSeq == checkpoint.getSeq()
                    ? "record " + expectedSeq + " is missing"
                    : "records " + expectedSeq + " to " + checkpoint.getSeq() + " are missing")
                    + ": the checkpoint signed at " + checkpoint.getSignedAt().toInstant()
                    + " covers the chain up to seq " + checkpoint.getSeq());
        }
        return Optional.empty();
    }

    private Optional<Problem> checkRecord(LedgerRecordRecord record) {
        Optional<Problem> hash = RecordCheck.ownHash(id, record);
        if (hash.isPresent()) {
            return hash;
        }
        if (!record.getPrevHash().equals(previousHash)) {
            return brokenLink(record);
        }
        return RecordCheck.document(id, record);
    }

    /** The record's own hash holds but it does not follow the previous record. */
    private Optional<Problem> brokenLink(LedgerRecordRecord record) {
        long seq = record.getSeq();
        if (seq == 1) {
            return problem(seq, Kind.CHANGED, "prev_hash of the first record is not 64 zeros");
        }
        Long linked = db.select(LEDGER_RECORD.SEQ).from(LEDGER_RECORD)
                .where(LEDGER_RECORD.CHAIN_ID.eq(id), LEDGER_RECORD.HASH.eq(record.getPrevHash()))
                .fetchOne(LEDGER_RECORD.SEQ);
        if (linked != null) {
            return problem(seq, Kind.REORDERED, "the record follows the record now at seq " + linked
                    + ", not the one at seq " + (seq - 1));
        }
        return problem(seq, Kind.CHANGED, "prev_hash is not the hash of seq " + (seq - 1)
                + ": this record or the one before it was changed");
    }

    private Optional<Problem> checkCheckpoint(LedgerCheckpointRecord checkpoint, LedgerRecordRecord record) {
        Optional<Problem> signature = checkSignature(checkpoint);
        if (signature.isPresent()) {
            return signature;
        }
        if (!checkpoint.getHash().equals(record.getHash())) {
            return problem(checkpoint.getSeq(), Kind.CHECKPOINT_MISMATCH, "the checkpoint signed at "
                    + checkpoint.getSignedAt().toInstant() + " names hash " + checkpoint.getHash()
                    + " but the record has hash " + record.getHash());
        }
        counts.checkpoints++;
        return Optional.empty();
    }

    private Optional<Problem> checkSignature(LedgerCheckpointRecord checkpoint) {
        return checkpointVerifier.check(checkpoint.getChainId(), checkpoint.getSeq(), checkpoint.getHash(),
                        checkpoint.getSignedAt().toInstant(), checkpoint.getKeyId(), checkpoint.getSignature())
                .flatMap(why -> problem(checkpoint.getSeq(), Kind.SIGNATURE_INVALID, "checkpoint: " + why));
    }

    private Optional<Problem> problem(long seq, Kind kind, String detail) {
        return Optional.of(new Problem(id, seq, kind, detail));
    }
}
