package dev.octosts.ledger;

import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;

/**
 * Drops the monthly partitions of {@code ledger_record} wholly before a month, as the login that owns the
 * ledger, once an archive written by {@link LedgerArchive} is proven to hold exactly their records: the
 * archive verifies under the ledger key, its cut is the month's start, and per chain its first seq and
 * prev_hash continue the chain's previous cut, its count, last seq and last hash are the database's. The
 * cut of each chain is recorded in {@code ledger_prune} (migration V5), where {@code audit verify} starts
 * the chain. One transaction: the cuts are recorded and the partitions dropped together, or nothing is.
 */
public final class LedgerPrune {
    private static final String LOCK_TIMEOUT = "5s";
    private static final Pattern UPPER_BOUND = Pattern.compile("TO \\('([^']+)'\\)");
    private static final DateTimeFormatter BOUND = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssx");

    private static final String LEDGER_OWNED_BY_LOGIN = """
            SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = 'ledger_record'::regclass""";
    private static final String PARTITIONS = """
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'ledger_record'::regclass ORDER BY c.relname""";
    /** Per chain, the records before the cut: count, first seq and prev_hash, last seq and hash. */
    private static final String CHAINS_BEFORE = """
            SELECT chain_id, count(*),
                   (array_agg(seq ORDER BY seq))[1], (array_agg(prev_hash ORDER BY seq))[1],
                   (array_agg(seq ORDER BY seq DESC))[1], (array_agg(hash ORDER BY seq DESC))[1]
            FROM ledger_record WHERE recorded_at < ? GROUP BY chain_id""";
    /** A record after the cut whose seq is not after the chain's last record before it: the cut would split the chain. */
    private static final String FIRST_SEQ_AFTER = """
            SELECT min(seq) FROM ledger_record WHERE chain_id = ? AND recorded_at >= ?""";
    private static final String INSERT_CUT = """
            INSERT INTO ledger_prune (chain_id, last_seq, last_hash, before, pruned_at) VALUES (?, ?, ?, ?, ?)""";

    private LedgerPrune() {
    }

    /**
     * @param dropped   the partitions dropped, e.g. {@code ledger_record_2026_10}
     * @param records   the records they held
     * @param chains    the chains cut
     */
    public record Pruned(List<String> dropped, long records, int chains) {
        public Pruned {
            dropped = List.copyOf(dropped);
        }
    }

    /**
     * @param owner a connection as the login that owns the ledger
     * @throws IllegalArgumentException saying why the archive or the login does not allow the prune (nothing changed)
     * @throws SQLException             when the database fails (nothing changed)
     */
    public static Pruned prune(Connection owner, YearMonth month, Path archive, List<PublicKey> trustedKeys, Instant now)
            throws SQLException {
        Instant cut = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        if (cut.isAfter(now)) {
            throw new IllegalArgumentException("--before " + month + " starts in the future: the months before it are still being written");
        }
        LedgerArchive.Report verified = LedgerArchive.verify(archive, trustedKeys);
        if (verified.problem().isPresent()) {
            throw new IllegalArgumentException("the archive " + archive + " does not verify: " + verified.problem().get());
        }
        ArchiveManifest manifest = verified.manifest();
        if (!manifest.before().equals(cut)) {
            throw new IllegalArgumentException("the archive holds the records before " + manifest.before()
                    + ", not before " + cut + ": archive with --before " + month);
        }
        boolean autoCommit = owner.getAutoCommit();
        owner.setAutoCommit(false);
        try {
            Pruned pruned = pruneInTransaction(owner, cut, manifest, now);
            owner.commit();
            return pruned;
        } catch (SQLException | RuntimeException e) {
            owner.rollback();
            throw e;
        } finally {
            owner.setAutoCommit(autoCommit);
        }
    }

    private static Pruned pruneInTransaction(Connection owner, Instant cut, ArchiveManifest manifest, Instant now)
            throws SQLException {
        try (Statement sql = owner.createStatement()) {
            sql.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            sql.execute("SET LOCAL TimeZone = 'UTC'");
            try (ResultSet owns = sql.executeQuery(LEDGER_OWNED_BY_LOGIN)) {
                if (!owns.next() || !owns.getBoolean(1)) {
                    throw new IllegalArgumentException("this login does not own the ledger: prune runs as the owner login"
                            + " (DATABASE_MIGRATION_URL)");
                }
            }
            // Serialises with `ledger maintain` without stopping appends.
            sql.execute("LOCK TABLE ledger_record IN SHARE UPDATE EXCLUSIVE MODE");
        }
        List<String> partitions = partitionsBefore(owner, cut);
        try (Statement sql = owner.createStatement()) {
            // No record can land in the months compared below until they are dropped; appends to the current
            // month go on, and wait only for the DETACH at the end.
            for (String partition : partitions) {
                sql.execute("LOCK TABLE " + partition + " IN SHARE MODE");
            }
            sql.execute("LOCK TABLE ledger_record_default IN SHARE MODE");
        }
        // The default partition cannot be dropped with the months, and its records before the cut would stay.
        long strays = strays(owner, "ledger_record_default", cut);
        if (strays > 0) {
            throw new IllegalArgumentException("ledger_record_default holds " + strays + " records before " + cut
                    + ": make their months' partitions first, as the owner: SELECT ledger_record_add_month('<a time in the month>')");
        }
        Map<UUID, ArchiveManifest.Chain> inDatabase = chainsBefore(owner, cut);
        Map<UUID, LedgerVerifier.Position> previousCuts = cuts(owner);
        Map<UUID, ArchiveManifest.Chain> archived = new TreeMap<>();
        manifest.chains().forEach(chain -> archived.put(chain.chainId(), chain));
        if (!archived.keySet().equals(inDatabase.keySet())) {
            throw new IllegalArgumentException("the archive holds chains " + archived.keySet()
                    + " but the database has records before " + cut + " in chains " + inDatabase.keySet());
        }
        long records = 0;
        for (ArchiveManifest.Chain chain : archived.values()) {
            ArchiveManifest.Chain database = inDatabase.get(chain.chainId());
            if (chain.records() != database.records() || chain.firstSeq() != database.firstSeq()
                    || !chain.firstPrevHash().equals(database.firstPrevHash()) || chain.lastSeq() != database.lastSeq()
                    || !chain.lastHash().equals(database.lastHash())) {
                throw new IllegalArgumentException("chain " + chain.chainId() + ": the archive holds " + chain.records()
                        + " records, seq " + chain.firstSeq() + " to " + chain.lastSeq() + " ending in hash " + chain.lastHash()
                        + "; the database has " + database.records() + ", seq " + database.firstSeq() + " to "
                        + database.lastSeq() + " ending in hash " + database.lastHash());
            }
            LedgerVerifier.Position previous = previousCuts.getOrDefault(chain.chainId(), LedgerVerifier.Position.START);
            if (chain.firstSeq() != previous.seq() + 1 || !chain.firstPrevHash().equals(previous.hash())) {
                throw new IllegalArgumentException("chain " + chain.chainId() + ": the archive starts at seq " + chain.firstSeq()
                        + ", the chain's records in the database start after seq " + previous.seq());
            }
            Long firstAfter = firstSeqAfter(owner, chain.chainId(), cut);
            if (firstAfter != null && firstAfter <= chain.lastSeq()) {
                throw new IllegalArgumentException("chain " + chain.chainId() + " has record " + firstAfter
                        + " after the cut but record " + chain.lastSeq() + " before it: the cut would split the chain");
            }
            records += chain.records();
        }
        try (PreparedStatement insert = owner.prepareStatement(INSERT_CUT)) {
            for (ArchiveManifest.Chain chain : archived.values()) {
                insert.setObject(1, chain.chainId());
                insert.setLong(2, chain.lastSeq());
                insert.setString(3, chain.lastHash());
                insert.setObject(4, cut.atOffset(ZoneOffset.UTC));
                insert.setObject(5, now.atOffset(ZoneOffset.UTC));
                insert.addBatch();
            }
            insert.executeBatch();
        }
        try (Statement sql = owner.createStatement()) {
            for (String partition : partitions) {
                sql.execute("ALTER TABLE ledger_record DETACH PARTITION " + partition);
                sql.execute("DROP TABLE " + partition);
            }
        }
        return new Pruned(partitions, records, archived.size());
    }

    /** The partitions whose months end at or before the cut. */
    private static List<String> partitionsBefore(Connection owner, Instant cut) throws SQLException {
        List<String> before = new ArrayList<>();
        try (Statement sql = owner.createStatement(); ResultSet rows = sql.executeQuery(PARTITIONS)) {
            while (rows.next()) {
                String name = rows.getString(1);
                Matcher upper = UPPER_BOUND.matcher(rows.getString(2));
                if (upper.find()) {
                    if (!OffsetDateTime.parse(upper.group(1), BOUND).toInstant().isAfter(cut)) {
                        before.add(name);
                    }
                }
            }
        }
        return before;
    }

    private static long strays(Connection owner, String partition, Instant cut) throws SQLException {
        try (PreparedStatement count = owner.prepareStatement("SELECT count(*) FROM " + partition + " WHERE recorded_at < ?")) {
            count.setObject(1, cut.atOffset(ZoneOffset.UTC));
            try (ResultSet rows = count.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static Map<UUID, ArchiveManifest.Chain> chainsBefore(Connection owner, Instant cut) throws SQLException {
        Map<UUID, ArchiveManifest.Chain> chains = new HashMap<>();
        try (PreparedStatement query = owner.prepareStatement(CHAINS_BEFORE)) {
            query.setObject(1, cut.atOffset(ZoneOffset.UTC));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    UUID id = rows.getObject(1, UUID.class);
                    chains.put(id, new ArchiveManifest.Chain(id, rows.getLong(3), rows.getString(4), rows.getLong(5),
                            rows.getString(6), rows.getLong(2), List.of()));
                }
            }
        }
        return chains;
    }

    private static Long firstSeqAfter(Connection owner, UUID chain, Instant cut) throws SQLException {
        try (PreparedStatement query = owner.prepareStatement(FIRST_SEQ_AFTER)) {
            query.setObject(1, chain);
            query.setObject(2, cut.atOffset(ZoneOffset.UTC));
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                long seq = rows.getLong(1);
                return rows.wasNull() ? null : seq;
            }
        }
    }

    /**
     * Whether the database's chains continue from {@code manifest}'s archive: the prune with the archive's cut
     * must have cut each archived chain at the archive's last seq and hash, and no other chain. With the
     * archive verified and {@code audit verify} walking each chain from its latest cut, this ties the two into
     * one history; a chain cut further (records deleted after the archive, the cut moved over them) is named.
     *
     * @return one line per problem; empty when they join
     * @throws SQLException when the database cannot be read
     */
    public static List<String> joins(Connection connection, ArchiveManifest manifest) throws SQLException {
        Map<UUID, LedgerVerifier.Position> cutThere = new TreeMap<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT chain_id, last_seq, last_hash FROM ledger_prune WHERE before = ? ORDER BY chain_id, last_seq")) {
            query.setObject(1, manifest.before().atOffset(ZoneOffset.UTC));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    cutThere.put(rows.getObject(1, UUID.class), new LedgerVerifier.Position(rows.getLong(2), rows.getString(3)));
                }
            }
        }
        Map<UUID, LedgerVerifier.Position> latest = cuts(connection);
        List<String> problems = new ArrayList<>();
        if (cutThere.isEmpty()) {
            problems.add("the database has no prune at the archive's cut " + manifest.before());
            return problems;
        }
        for (ArchiveManifest.Chain chain : manifest.chains()) {
            // A chain cut twice at one time keeps its later cut here: that one is where its records start.
            LedgerVerifier.Position cut = cutThere.remove(chain.chainId());
            if (cut == null || cut.seq() != chain.lastSeq() || !cut.hash().equals(chain.lastHash())) {
                problems.add("chain " + chain.chainId() + ": the archive ends at seq " + chain.lastSeq() + " hash "
                        + chain.lastHash() + ", the database's cut is " + (cut == null ? "missing" : "at seq " + cut.seq()
                        + " hash " + cut.hash()));
            }
        }
        cutThere.keySet().forEach(chain -> problems.add("chain " + chain + " was cut at " + manifest.before()
                + " but is not in the archive"));
        for (ArchiveManifest.Chain chain : manifest.chains()) {
            LedgerVerifier.Position last = latest.get(chain.chainId());
            if (last != null && last.seq() < chain.lastSeq()) {
                problems.add("chain " + chain.chainId() + ": the database's latest cut is at seq " + last.seq()
                        + ", before the archive's end");
            }
        }
        return problems;
    }

    /** The latest cut of each pruned chain: where its records in the database start. */
    static Map<UUID, LedgerVerifier.Position> cuts(Connection connection) throws SQLException {
        Map<UUID, LedgerVerifier.Position> cuts = new HashMap<>();
        try (Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT DISTINCT ON (chain_id) chain_id, last_seq, last_hash"
                     + " FROM ledger_prune ORDER BY chain_id, last_seq DESC")) {
            while (rows.next()) {
                cuts.put(rows.getObject(1, UUID.class), new LedgerVerifier.Position(rows.getLong(2), rows.getString(3)));
            }
        }
        return cuts;
    }

    /** {@link #cuts(Connection)} through jOOQ's connection. */
    static Map<UUID, LedgerVerifier.Position> cuts(DSLContext db) {
        return db.connectionResult(connection -> {
            try {
                return cuts(connection);
            } catch (SQLException e) {
                throw new org.jooq.exception.DataAccessException("cannot read ledger_prune: " + e.getMessage(), e);
            }
        });
    }
}
