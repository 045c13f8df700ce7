package dev.octosts.ledger;

import static dev.octosts.ledger.schema.Tables.LEDGER_CHECKPOINT;
import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

import dev.octosts.ledger.LedgerVerifier.Position;
import dev.octosts.ledger.VerificationReport.Problem;
import dev.octosts.ledger.VerificationReport.Problem.Kind;
import dev.octosts.ledger.schema.tables.records.LedgerCheckpointRecord;
import dev.octosts.ledger.schema.tables.records.LedgerRecordRecord;
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

    private final DSLContext db;
    private final CheckpointVerifier checkpointVerifier;
    private final Counts counts;
    private final UUID id;
    private final NavigableMap<Long, LedgerCheckpointRecord> pendingCheckpoints = new TreeMap<>();
    private long expectedSeq;
    private String previousHash;

    /**
     * A walk that continues after {@code start} (checkpoints up to it were checked before) for at most
     * {@code maxRecords} records. It holds only the checkpoints those records can reach plus the
     * first one beyond them, which is all {@link #finish} needs: one checkpoint per seq at most, so
     * the first {@code maxRecords + 1} after {@code start} include both.
     */
    ChainWalk(DSLContext db, CheckpointVerifier checkpointVerifier, Counts counts, UUID id, Position start,
            int maxRecords) {
        this.db = db;
        this.checkpointVerifier = checkpointVerifier;
        this.counts = counts;
        this.id = id;
        this.expectedSeq = start.seq() + 1;
        this.previousHash = start.hash();
        counts.chains++;
        for (LedgerCheckpointRecord checkpoint : db.selectFrom(LEDGER_CHECKPOINT)
                .where(LEDGER_CHECKPOINT.CHAIN_ID.eq(id), LEDGER_CHECKPOINT.SEQ.gt(start.seq()))
                .orderBy(LEDGER_CHECKPOINT.SEQ)
                .limit(maxRecords + 1L)
                .fetch()) {
            pendingCheckpoints.put(checkpoint.getSeq(), checkpoint);
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
        LedgerCheckpointRecord checkpoint = pendingCheckpoints.remove(record.getSeq());
        return checkpoint == null ? Optional.empty() : checkCheckpoint(checkpoint, record);
    }

    /** After the last record: checkpoints beyond it prove that records were removed from the end. */
    Optional<Problem> finish() {
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
