package dev.octosts.ledger;

import dev.octosts.digest.Sha256;
import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.exchange.Decision;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record5;
import org.jooq.Select;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Finds ledger records by token hash, subject, scope, identity, decision and time, newest first, in
 * the export shape. Shared by {@code octo-sts audit query} and the admin listener.
 */
public final class LedgerQuery {
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern RELATIVE_TIME = Pattern.compile("(\\d{1,9})([smhdw])");

    private final DataSource dataSource;

    public LedgerQuery(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * What to look for; a null component matches everything. Text filters match exactly the text the
     * token or request carried (a record keeps the first 1,024 characters of a longer one).
     *
     * @param tokenSha256 hex SHA-256 of an issued GitHub token (either case)
     * @param since       inclusive lower bound of the record time
     * @param until       exclusive upper bound of the record time
     */
    public record Filter(String tokenSha256, String subject, String scope, String identity, Decision decision,
                         Instant since, Instant until) {
        public Filter {
            if (tokenSha256 != null) {
                if (!HEX_SHA256.matcher(tokenSha256).matches()) {
                    throw new IllegalArgumentException("a token SHA-256 is 64 hex digits");
                }
                tokenSha256 = tokenSha256.toLowerCase(Locale.ROOT);
            }
        }
    }

    /**
     * At most {@code limit} matching records, newest first, each in the export shape (document,
     * {@code prev_hash}, {@code hash}).
     *
     * @throws org.jooq.exception.DataAccessException when the database cannot be read
     */
    public Stream<JsonNode> find(Filter filter, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the limit must be at least 1, got " + limit);
        }
        return select(DSL.using(dataSource, SQLDialect.POSTGRES), filter, limit)
                .fetch(row -> (JsonNode) LedgerExport.exportShape(row.value1(), row.value2(), row.value3(),
                        row.value4(), row.value5()))
                .stream();
    }

    /**
     * The query of {@link #find}. Its time bounds are on {@code recorded_at}, the partition key, so a
     * window reads only its months' partitions.
     */
    static Select<Record5<UUID, Long, String, String, String>> select(DSLContext db, Filter filter, int limit) {
        return db.select(LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ, LEDGER_RECORD.CANONICAL, LEDGER_RECORD.PREV_HASH,
                        LEDGER_RECORD.HASH)
                .from(LEDGER_RECORD)
                .where(conditions(filter))
                .orderBy(LEDGER_RECORD.RECORDED_AT.desc(), LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ.desc())
                .limit(limit);
    }

    /** The filter as conditions on the query columns (also those of {@link LedgerSearch}). */
    static List<Condition> conditions(Filter filter) {
        List<Condition> where = new ArrayList<>();
        if (filter.tokenSha256() != null) {
            where.add(LEDGER_RECORD.TOKEN_SHA256.eq(filter.tokenSha256()));
        }
        if (filter.subject() != null) {
            where.add(LEDGER_RECORD.SUBJECT.in(columnValues(filter.subject())));
        }
        if (filter.scope() != null) {
            where.add(LEDGER_RECORD.SCOPE.in(columnValues(filter.scope())));
        }
        if (filter.identity() != null) {
            where.add(LEDGER_RECORD.IDENTITY.in(columnValues(filter.identity())));
        }
        if (filter.decision() != null) {
            where.add(LEDGER_RECORD.DECISION.eq(filter.decision().name().toLowerCase(Locale.ROOT)));
        }
        if (filter.since() != null) {
            where.add(LEDGER_RECORD.RECORDED_AT.ge(filter.since().atOffset(ZoneOffset.UTC)));
        }
        if (filter.until() != null) {
            where.add(LEDGER_RECORD.RECORDED_AT.lt(filter.until().atOffset(ZoneOffset.UTC)));
        }
        return where;
    }

    /**
     * The column values of records whose field was {@code value}, as the token or request carried it:
     * the sanitised text itself (as every short field, and long ones written before columns were
     * bounded), its {@linkplain LedgerText#column bounded form} and its form in a reduced record.
     */
    private static List<String> columnValues(String value) {
        String field = LedgerText.sanitize(value);
        return Stream.of(field, LedgerText.column(field), LedgerText.hashed(field)).distinct().toList();
    }

    /** Lowercase hex SHA-256 of a token's UTF-8 bytes: how the ledger stores an issued token. */
    public static String tokenSha256(String token) {
        return Sha256.hex(token);
    }

    /**
     * A time bound as an operator types it: RFC 3339 ({@code 2026-11-27T10:00:00Z}) or a span back from
     * {@code now} ({@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}, {@code 2w}).
     */
    public static Instant parseTime(String text, Instant now) {
        String trimmed = text.strip();
        Matcher relative = RELATIVE_TIME.matcher(trimmed);
        if (relative.matches()) {
            long amount = Long.parseLong(relative.group(1));
            Duration unit = switch (relative.group(2)) {
                case "s" -> Duration.ofSeconds(1);
                case "m" -> Duration.ofMinutes(1);
                case "h" -> Duration.ofHours(1);
                case "d" -> Duration.ofDays(1);
                default -> Duration.ofDays(7);
            };
            return now.minus(unit.multipliedBy(amount));
        }
        try {
            // RFC 3339 allows a lowercase t and z.
            return OffsetDateTime.parse(trimmed.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is neither an RFC 3339 time like 2026-11-27T10:00:00Z"
                    + " nor a time back from now like 24h or 7d");
        }
    }
}
