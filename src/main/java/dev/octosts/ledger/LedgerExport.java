package dev.octosts.ledger;

import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.ledger.schema.tables.records.LedgerRecordRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.SelectLimitPercentStep;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/**
 * Ledger records in the export shape ({@code db/ledger-record.schema.json}: the version 1 document
 * plus {@code prev_hash} and {@code hash}), oldest first, for a SIEM. Reads in pages, so an export of
 * any size holds only one page in memory.
 */
public final class LedgerExport {
    private static final int PAGE_SIZE = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataSource dataSource;

    public LedgerExport(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Hands each record with {@code since <= recorded_at < until} to {@code sink}, ordered by time (then
     * chain and seq).
     *
     * @param until null for no upper bound
     * @return how many records were exported
     * @throws DataAccessException when the database cannot be read
     */
    public long export(Instant since, Instant until, Consumer<JsonNode> sink) {
        long count = 0;
        try (Connection connection = dataSource.getConnection()) {
            DSLContext db = DSL.using(connection, SQLDialect.POSTGRES);
            LedgerRecordRecord last = null;
            while (true) {
                Result<LedgerRecordRecord> page = page(db, since, until, last).fetch();
                for (LedgerRecordRecord record : page) {
                    sink.accept(exportShape(record.getChainId(), record.getSeq(), record.getCanonical(),
                            record.getPrevHash(), record.getHash()));
                    count++;
                }
                if (page.size() < PAGE_SIZE) {
                    return count;
                }
                last = page.getLast();
            }
        } catch (SQLException e) {
            throw new DataAccessException("cannot connect to the ledger database: " + e.getMessage(), e);
        }
    }

    /**
     * The query of one page of {@link #export}: the records after {@code last} (null for the first page).
     * Its time bounds are on {@code recorded_at}, the partition key, so a window reads only its months.
     */
    static SelectLimitPercentStep<LedgerRecordRecord> page(DSLContext db, Instant since, Instant until,
            LedgerRecordRecord last) {
        Condition range = LEDGER_RECORD.RECORDED_AT.ge(since.atOffset(ZoneOffset.UTC))
                .and(until == null ? DSL.noCondition() : LEDGER_RECORD.RECORDED_AT.lt(until.atOffset(ZoneOffset.UTC)));
        return db.selectFrom(LEDGER_RECORD)
                .where(range)
                .and(last == null ? DSL.noCondition()
                        : DSL.row(LEDGER_RECORD.RECORDED_AT, LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ)
                        .gt(last.getRecordedAt(), last.getChainId(), last.getSeq()))
                .orderBy(LEDGER_RECORD.RECORDED_AT, LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ)
                .limit(PAGE_SIZE);
    }

    /** The export shape of one stored record: its document followed by {@code prev_hash} and {@code hash}. */
    static ObjectNode exportShape(UUID chainId, long seq, String canonical, String prevHash, String hash) {
        JsonNode document;
        try {
            document = JSON.readTree(canonical);
        } catch (JsonProcessingException e) {
            document = null;
        }
        if (!(document instanceof ObjectNode row)) {
            throw new IllegalStateException("the ledger record at chain " + chainId + " seq " + seq
                    + " is not a JSON object; run `octo-sts audit verify`");
        }
        row.put("prev_hash", prevHash);
        row.put("hash", hash);
        return row;
    }
}
