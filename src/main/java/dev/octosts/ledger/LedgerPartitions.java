package dev.octosts.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The monthly partitions of {@code ledger_record} (migration V4): makes the partitions of the current
 * month and the coming ones ahead of time, as the login that owns the ledger. A record whose month has
 * no partition still lands, in the default partition; making its month moves it there.
 */
public final class LedgerPartitions {
    /** Months made ahead by {@code octo-sts migrate}: a quarter of missed maintenance runs. */
    public static final int MONTHS_AHEAD = 3;
    public static final int MAX_MONTHS_AHEAD = 24;
    /**
     * How long maintenance waits for the ledger's lock: making a partition briefly locks out appends,
     * and a lock request queued behind a long reader would hold every append behind it.
     */
    private static final String LOCK_TIMEOUT = "5s";

    private static final String PARTITIONS_WITHOUT_PROTECTION = """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'ledger_record'::regclass
              AND (NOT EXISTS (SELECT FROM pg_constraint p WHERE p.conrelid = c.oid AND p.contype = 'p')
                   OR NOT EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'ledger_record_no_truncate'))
            ORDER BY c.relname""";

    private LedgerPartitions() {
    }

    /**
     * What one run did.
     *
     * @param created      partitions made, e.g. {@code ledger_record_2027_01}
     * @param protectedNow partitions that lacked their primary key or TRUNCATE trigger (made by hand) and got them
     * @param strays       records left in the default partition: their months have no partition
     */
    public record Maintenance(List<String> created, List<String> protectedNow, long strays) {
        public Maintenance {
            created = List.copyOf(created);
            protectedNow = List.copyOf(protectedNow);
        }
    }

    /** The partition that holds {@code month}'s records. */
    public static String partitionName(YearMonth month) {
        return "ledger_record_%04d_%02d".formatted(month.getYear(), month.getMonthValue());
    }

    /**
     * Makes the partitions of the month of {@code now} (UTC) and the {@code monthsAhead} months after it
     * where missing, moving the default partition's records of those months into them, and gives every
     * partition its primary key and TRUNCATE trigger. Idempotent; one transaction.
     *
     * @param owner a connection as the login that owns the ledger
     * @throws SQLException e.g. when the login does not own the ledger or the lock is not granted in time
     */
    public static Maintenance maintain(Connection owner, Instant now, int monthsAhead) throws SQLException {
        if (monthsAhead < 0 || monthsAhead > MAX_MONTHS_AHEAD) {
            throw new IllegalArgumentException("months ahead must be 0 to " + MAX_MONTHS_AHEAD + ", got " + monthsAhead);
        }
        boolean autoCommit = owner.getAutoCommit();
        owner.setAutoCommit(false);
        try {
            Maintenance done = maintainInTransaction(owner, YearMonth.from(now.atOffset(ZoneOffset.UTC)), monthsAhead);
            owner.commit();
            return done;
        } catch (SQLException | RuntimeException e) {
            owner.rollback();
            throw e;
        } finally {
            owner.setAutoCommit(autoCommit);
        }
    }

    private static Maintenance maintainInTransaction(Connection owner, YearMonth first, int monthsAhead)
            throws SQLException {
        try (Statement sql = owner.createStatement()) {
            sql.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            // Serialises maintenance runs without stopping appends (SHARE UPDATE EXCLUSIVE conflicts with itself only).
            sql.execute("LOCK TABLE ledger_record IN SHARE UPDATE EXCLUSIVE MODE");
        }
        List<String> created = new ArrayList<>();
        try (PreparedStatement add = owner.prepareStatement("SELECT ledger_record_add_month(?)")) {
            for (int i = 0; i <= monthsAhead; i++) {
                YearMonth month = first.plusMonths(i);
                add.setObject(1, OffsetDateTime.of(month.getYear(), month.getMonthValue(), 1, 0, 0, 0, 0, ZoneOffset.UTC));
                try (ResultSet made = add.executeQuery()) {
                    made.next();
                    if (made.getBoolean(1)) {
                        created.add(partitionName(month));
                    }
                }
            }
        }
        List<String> unprotected = new ArrayList<>();
        try (Statement sql = owner.createStatement(); ResultSet rows = sql.executeQuery(PARTITIONS_WITHOUT_PROTECTION)) {
            while (rows.next()) {
                unprotected.add(rows.getString(1));
            }
        }
        try (PreparedStatement protect = owner.prepareStatement("SELECT ledger_record_protect_partition(?)")) {
            for (String partition : unprotected) {
                protect.setString(1, partition);
                protect.execute();
            }
        }
        try (Statement sql = owner.createStatement(); ResultSet count = sql.executeQuery("SELECT count(*) FROM ledger_record_default")) {
            count.next();
            return new Maintenance(created, unprotected, count.getLong(1));
        }
    }
}
