package dev.octosts.ledger;

import static dev.octosts.ledger.schema.Tables.LEDGER_CHECKPOINT;
import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

import dev.octosts.ledger.schema.tables.records.LedgerCheckpointRecord;
import dev.octosts.ledger.schema.tables.records.LedgerRecordRecord;
import java.security.PublicKey;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Whether one record is bound into its chain by a signed checkpoint: the first checkpoint at or after the
 * record is validly signed, and every record from this one up to it is intact and links to the one before,
 * ending at the hash the checkpoint signed. A bounded walk (at most {@link #MAX_RECORDS} records), so a
 * page view never turns into a full verification; {@code octo-sts audit verify} walks everything.
 */
public final class RecordProof {
    static final int MAX_RECORDS = 5_000;

    private final DataSource dataSource;
    private final CheckpointVerifier checkpoints;

    public RecordProof(DataSource dataSource, List<PublicKey> trustedCheckpointKeys) {
        this.dataSource = dataSource;
        this.checkpoints = new CheckpointVerifier(trustedCheckpointKeys);
    }

    /** What the walk found. */
    public enum State { VERIFIED, NOT_YET_CHECKPOINTED, TOO_FAR, FAILED }

    /** The state, and the checkpoint's seq when there is one, or what failed. */
    public record Result(State state, Long checkpointSeq, String detail) {
    }

    /** @throws org.jooq.exception.DataAccessException when the database cannot be read */
    public Result check(UUID chainId, long seq) {
        DSLContext db = DSL.using(dataSource, SQLDialect.POSTGRES);
        LedgerCheckpointRecord checkpoint = db.selectFrom(LEDGER_CHECKPOINT)
                .where(LEDGER_CHECKPOINT.CHAIN_ID.eq(chainId), LEDGER_CHECKPOINT.SEQ.ge(seq))
                .orderBy(LEDGER_CHECKPOINT.SEQ).limit(1).fetchOne();
        if (checkpoint == null) {
            return new Result(State.NOT_YET_CHECKPOINTED, null, "no signed checkpoint covers this record yet");
        }
        if (checkpoint.getSeq() - seq >= MAX_RECORDS) {
            return new Result(State.TOO_FAR, checkpoint.getSeq(), "the checkpoint is more than " + MAX_RECORDS
                    + " records further on; run octo-sts audit verify");
        }
        Optional<String> signature = checkpoints.check(chainId, checkpoint.getSeq(), checkpoint.getHash(),
                checkpoint.getSignedAt().toInstant(), checkpoint.getKeyId(), checkpoint.getSignature());
        if (signature.isPresent()) {
            return failed(checkpoint, "the checkpoint at seq " + checkpoint.getSeq() + ": " + signature.get());
        }
        List<LedgerRecordRecord> records = db.selectFrom(LEDGER_RECORD)
                .where(LEDGER_RECORD.CHAIN_ID.eq(chainId), LEDGER_RECORD.SEQ.between(seq, checkpoint.getSeq()))
                .orderBy(LEDGER_RECORD.SEQ).fetch();
        long expected = seq;
        String previousHash = null;
        for (LedgerRecordRecord record : records) {
            if (record.getSeq() != expected) {
                return failed(checkpoint, "record " + expected + " is missing");
            }
            Optional<VerificationReport.Problem> problem = RecordCheck.ownHash(chainId, record)
                    .or(() -> RecordCheck.document(chainId, record));
            if (problem.isPresent()) {
                return failed(checkpoint, "record " + record.getSeq() + ": " + problem.get().detail());
            }
            if (previousHash != null && !record.getPrevHash().equals(previousHash)) {
                return failed(checkpoint, "record " + record.getSeq() + " does not link to the record before it");
            }
            previousHash = record.getHash();
            expected++;
        }
        if (expected != checkpoint.getSeq() + 1) {
            return failed(checkpoint, "records " + expected + " to " + checkpoint.getSeq() + " are missing");
        }
        if (!checkpoint.getHash().equals(previousHash)) {
            return failed(checkpoint, "the checkpoint at seq " + checkpoint.getSeq() + " signed another hash");
        }
        return new Result(State.VERIFIED, checkpoint.getSeq(), "bound by the checkpoint at seq " + checkpoint.getSeq()
                + ", signed " + checkpoint.getSignedAt().toInstant());
    }

    private static Result failed(LedgerCheckpointRecord checkpoint, String detail) {
        return new Result(State.FAILED, checkpoint.getSeq(), detail);
    }
}
