package dev.octosts.ledger;

import static dev.octosts.ledger.schema.Tables.LEDGER_CHAIN;
import static dev.octosts.ledger.schema.Tables.LEDGER_CHECKPOINT;
import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * The console's reads: pages of a search with their total, one record by its place, and the counts of
 * the overview. Every query is bounded by a limit or a time window on {@code recorded_at}, the
 * partition key, so a page reads only its months.
 */
public final class LedgerSearch {
    private final DataSource dataSource;

    public LedgerSearch(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A search: the filter of {@code audit query} plus a reason code (null matches every reason). */
    public record Criteria(LedgerQuery.Filter filter, String reason) {
    }

    /** The most matches a search counts; beyond it the count says "more than" (counting all would read them all). */
    public static final int MAX_COUNT = 10_000;
    static final int QUERY_TIMEOUT_SECONDS = 10;

    /**
     * One page of matching records (export shape, newest first) and how many match in all, at most
     * {@link #MAX_COUNT} + 1 (then: more than {@code MAX_COUNT}).
     */
    public record Page(List<JsonNode> records, long total) {
        public Page {
            records = List.copyOf(records);
        }
    }

    /** Records of one decision in one time bucket of the overview. */
    public record Bucket(Instant start, String decision, long count) {
    }

    /** A value and how many records have it. */
    public record Count(String value, long count) {
    }

    /** A chain: its last record and its last signed checkpoint (null seq and time when it has none yet). */
    public record ChainState(UUID chainId, String host, Instant startedAt, long lastSeq, Instant lastRecordAt,
                             Long checkpointSeq, Instant checkpointAt) {
    }

    /** @throws org.jooq.exception.DataAccessException when the database cannot be read */
    public Page search(Criteria criteria, int offset, int limit) {
        if (offset < 0 || limit < 1 || offset + limit > MAX_COUNT) {
            throw new IllegalArgumentException("a page must lie within the newest " + MAX_COUNT + " matches");
        }
        DSLContext db = db();
        List<Condition> where = conditions(criteria);
        long total = db.selectCount().from(db.selectOne().from(LEDGER_RECORD).where(where).limit(MAX_COUNT + 1))
                .fetchOne(0, Long.class);
        List<JsonNode> records = db.select(LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ, LEDGER_RECORD.CANONICAL,
                        LEDGER_RECORD.PREV_HASH, LEDGER_RECORD.HASH)
                .from(LEDGER_RECORD)
                .where(where)
                .orderBy(LEDGER_RECORD.RECORDED_AT.desc(), LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ.desc())
                .offset(offset)
                .limit(limit)
                .fetch(row -> (JsonNode) LedgerExport.exportShape(row.value1(), row.value2(), row.value3(),
                        row.value4(), row.value5()));
        return new Page(records, total);
    }

    /** The record at {@code seq} of {@code chainId}, in the export shape. */
    public Optional<JsonNode> record(UUID chainId, long seq) {
        return db().select(LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ, LEDGER_RECORD.CANONICAL, LEDGER_RECORD.PREV_HASH,
                        LEDGER_RECORD.HASH)
                .from(LEDGER_RECORD)
                .where(LEDGER_RECORD.CHAIN_ID.eq(chainId), LEDGER_RECORD.SEQ.eq(seq))
                .fetchOptional(row -> LedgerExport.exportShape(row.value1(), row.value2(), row.value3(), row.value4(),
                        row.value5()));
    }

    /** Records per decision in buckets of {@code width} from {@code since} (bucket starts aligned to the epoch). */
    public List<Bucket> buckets(Instant since, Duration width) {
        long seconds = width.toSeconds();
        Field<Long> bucket = DSL.field("floor(extract(epoch from {0}) / {1})::bigint", Long.class,
                LEDGER_RECORD.RECORDED_AT, DSL.inline(seconds));
        return db().select(bucket, LEDGER_RECORD.DECISION, DSL.count())
                .from(LEDGER_RECORD)
                .where(LEDGER_RECORD.RECORDED_AT.ge(since.atOffset(ZoneOffset.UTC)))
                .groupBy(bucket, LEDGER_RECORD.DECISION)
                .fetch(row -> new Bucket(Instant.ofEpochSecond(row.value1() * seconds), row.value2(), row.value3()));
    }

    /** The most frequent values of a refusal's (deny or error) reason, subject or scope since {@code since}. */
    public List<Count> topDenied(Instant since, Column column, int limit) {
        Field<String> field = switch (column) {
            case REASON -> LEDGER_RECORD.REASON;
            case SUBJECT -> LEDGER_RECORD.SUBJECT;
            case SCOPE -> LEDGER_RECORD.SCOPE;
        };
        Field<Integer> count = DSL.count();
        return db().select(field, count)
                .from(LEDGER_RECORD)
                .where(LEDGER_RECORD.RECORDED_AT.ge(since.atOffset(ZoneOffset.UTC)),
                        LEDGER_RECORD.DECISION.in("deny", "error"), field.isNotNull())
                .groupBy(field)
                .orderBy(count.desc(), field)
                .limit(limit)
                .fetch(row -> new Count(row.value1(), row.value2()));
    }

    /** The columns the overview ranks denials by. */
    public enum Column { REASON, SUBJECT, SCOPE }

    /** Every registered chain with its last record and last checkpoint, newest chain first. */
    public List<ChainState> chains() {
        DSLContext db = db();
        return db.selectFrom(LEDGER_CHAIN).orderBy(LEDGER_CHAIN.STARTED_AT.desc()).limit(100).fetch().map(chain -> {
            var last = db.select(LEDGER_RECORD.SEQ, LEDGER_RECORD.RECORDED_AT).from(LEDGER_RECORD)
                    .where(LEDGER_RECORD.CHAIN_ID.eq(chain.getChainId()))
                    .orderBy(LEDGER_RECORD.SEQ.desc()).limit(1).fetchOne();
            var checkpoint = db.select(LEDGER_CHECKPOINT.SEQ, LEDGER_CHECKPOINT.SIGNED_AT).from(LEDGER_CHECKPOINT)
                    .where(LEDGER_CHECKPOINT.CHAIN_ID.eq(chain.getChainId()))
                    .orderBy(LEDGER_CHECKPOINT.SEQ.desc()).limit(1).fetchOne();
            return new ChainState(chain.getChainId(), chain.getHost(), chain.getStartedAt().toInstant(),
                    last == null ? 0 : last.value1(), last == null ? null : last.value2().toInstant(),
                    checkpoint == null ? null : checkpoint.value1(),
                    checkpoint == null ? null : checkpoint.value2().toInstant());
        });
    }

    private static List<Condition> conditions(Criteria criteria) {
        List<Condition> where = LedgerQuery.conditions(criteria.filter());
        if (criteria.reason() != null) {
            where.add(LEDGER_RECORD.REASON.eq(criteria.reason()));
        }
        return where;
    }

    /** Every query gives up after {@value #QUERY_TIMEOUT_SECONDS} s: the console shares the ledger writer's database. */
    private DSLContext db() {
        return DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withQueryTimeout(QUERY_TIMEOUT_SECONDS));
    }
}
