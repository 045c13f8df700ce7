package dev.octosts.ledger;

import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.SQLDialect;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static dev.octosts.ledger.LedgerConnections.configure;
import static dev.octosts.ledger.LedgerConnections.refusedData;
import static dev.octosts.ledger.LedgerConnections.rollbackQuietly;
import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

/**
 * Chains and inserts entries at the head of one chain, one transaction per call, and says how it
 * went and why it failed. Used by the ledger's writer thread only; {@link #head()} may be read from any thread.
 */
final class ChainInserter {
    private static final HexFormat HEX = HexFormat.of();
    private static final List<Field<?>> COLUMNS = List.of(LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ,
            LEDGER_RECORD.PREV_HASH, LEDGER_RECORD.HASH, LEDGER_RECORD.RECORDED_AT, LEDGER_RECORD.REQUEST_ID,
            LEDGER_RECORD.DECISION, LEDGER_RECORD.GRPC_CODE, LEDGER_RECORD.REASON, LEDGER_RECORD.SCOPE,
            LEDGER_RECORD.IDENTITY, LEDGER_RECORD.ISSUER, LEDGER_RECORD.SUBJECT, LEDGER_RECORD.TOKEN_SHA256,
            LEDGER_RECORD.CANONICAL);
    /** Rendered once; each batch binds it once per record. */
    private static final String INSERT_RECORD = DSL.using(SQLDialect.POSTGRES)
            .insertInto(LEDGER_RECORD, COLUMNS)
            .values(COLUMNS.stream().map(column -> DSL.param(column.getName(), column.getDataType())).toList())
            .getSQL(ParamType.INDEXED);
    /** Attempts of a batch whose failure came before anything was sent for it (e.g. a dead pooled connection). */
    private static final int ATTEMPTS_BEFORE_WRITING = 3;

    enum Outcome {
        COMMITTED,
        /** The pool gave no connection (it already waited its connectionTimeout): not retried at once. */
        NO_CONNECTION,
        /** Failed before the batch was sent, e.g. on a pooled connection the server closed: safe to retry. */
        FAILED_BEFORE_WRITING,
        /** Failed while or after the batch was sent: whether it landed is unknown. */
        FAILED,
        /** The database answered that it refuses the batch's data: nothing landed. */
        REFUSED
    }

    /** How a call went; {@code failure} says why when it did not commit (null when it did). */
    record Attempt(Outcome outcome, Exception failure) {
        static final Attempt COMMITTED = new Attempt(Outcome.COMMITTED, null);
    }

    private final DataSource dataSource;
    private final Duration appendTimeout;
    private final UUID chainId;
    private final MessageDigest sha256;
    private volatile ChainHead head;
    private boolean headKnown = true;

    ChainInserter(DataSource dataSource, Duration appendTimeout, UUID chainId) {
        this.dataSource = dataSource;
        this.appendTimeout = appendTimeout;
        this.chainId = chainId;
        this.head = ChainHead.empty(chainId);
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The last committed record of the chain (seq 0 when none yet). */
    ChainHead head() {
        return head;
    }

    Attempt commitWithRetries(List<LedgerEntry> entries) {
        for (int tries = 1; ; tries++) {
            Attempt attempt = tryCommit(entries);
            if (attempt.outcome() != Outcome.FAILED_BEFORE_WRITING || tries >= ATTEMPTS_BEFORE_WRITING) {
                return attempt;
            }
        }
    }

    /**
     * One transaction: (re-read the head if unknown), hash and insert the batch, commit. The in-memory
     * head moves only after a successful commit; after any failure it is re-read from the database,
     * since a commit whose outcome is unknown may or may not have landed.
     */
    private Attempt tryCommit(List<LedgerEntry> batch) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException | RuntimeException e) {
            return new Attempt(Outcome.NO_CONNECTION, e);
        }
        boolean writing = false;
        try (connection) {
            try {
                configure(connection, appendTimeout);
                ChainHead start = headKnown ? head : readHead(connection);
                byte[] prev = HEX.parseHex(start.hash());
                String prevHex = start.hash();
                long seq = start.seq();
                try (PreparedStatement insert = connection.prepareStatement(INSERT_RECORD)) {
                    for (LedgerEntry entry : batch) {
                        seq++;
                        byte[] hash = hash(prev, entry, seq);
                        String hashHex = HEX.formatHex(hash);
                        bind(insert, entry, seq, prevHex, hashHex);
                        insert.addBatch();
                        prev = hash;
                        prevHex = hashHex;
                    }
                    writing = true;
                    headKnown = false;
                    insert.executeBatch();
                }
                connection.commit();
                head = new ChainHead(start.chainId(), seq, prevHex);
                headKnown = true;
                return Attempt.COMMITTED;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            if (writing && refusedData(e)) {
                return new Attempt(Outcome.REFUSED, e);
            }
            return new Attempt(writing ? Outcome.FAILED : Outcome.FAILED_BEFORE_WRITING, e);
        }
    }

    private ChainHead readHead(Connection connection) {
        Record2<Long, String> last = DSL.using(connection, SQLDialect.POSTGRES)
                .select(LEDGER_RECORD.SEQ, LEDGER_RECORD.HASH)
                .from(LEDGER_RECORD)
                .where(LEDGER_RECORD.CHAIN_ID.eq(chainId))
                .orderBy(LEDGER_RECORD.SEQ.desc())
                .limit(1)
                .fetchOne();
        return last == null ? ChainHead.empty(chainId) : new ChainHead(chainId, last.value1(), last.value2());
    }

    private byte[] hash(byte[] prev, LedgerEntry entry, long seq) {
        sha256.update(prev);
        sha256.update(entry.headUtf8());
        sha256.update(Long.toString(seq).getBytes(StandardCharsets.US_ASCII));
        sha256.update(entry.tailUtf8());
        return sha256.digest();
    }

    private void bind(PreparedStatement insert, LedgerEntry entry, long seq, String prevHash, String hash)
            throws SQLException {
        insert.setObject(1, chainId);
        insert.setLong(2, seq);
        insert.setString(3, prevHash);
        insert.setString(4, hash);
        insert.setObject(5, entry.recordedAt());
        insert.setString(6, entry.requestId());
        insert.setString(7, entry.decision());
        insert.setInt(8, entry.grpcCode());
        insert.setString(9, entry.reason());
        insert.setString(10, entry.scope());
        insert.setString(11, entry.identity());
        insert.setString(12, entry.issuer());
        insert.setString(13, entry.subject());
        insert.setString(14, entry.tokenSha256());
        insert.setString(15, entry.canonical(seq));
    }
}
