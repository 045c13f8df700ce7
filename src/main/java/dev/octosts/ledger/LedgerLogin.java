package dev.octosts.ledger;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * What a database login could do to the ledger beyond appending to it: the service's login must hold
 * INSERT and SELECT only, or a compromised process could disable the append-only triggers, rewrite
 * records and re-sign checkpoints with the key it holds. Rights count when the login holds them through
 * any role it may use, inherited or reached with {@code SET ROLE}.
 *
 * @param name      the login ({@code current_user})
 * @param superuser whether the login is, or may become, a superuser
 * @param owns      tables the login owns or may act as the owner of (ledger_record's monthly partitions included)
 * @param rights    rights beyond INSERT and SELECT on the ledger tables and partitions it does not own, e.g. "UPDATE on ledger_record"
 */
public record LedgerLogin(String name, boolean superuser, List<String> owns, List<String> rights) {

    /**
     * The append-only tables (ledger_prune: where `audit verify` starts each pruned chain), and the webhook's
     * replay memory, which the service may also delete from.
     */
    private static final String[] LEDGER_TABLES = {"ledger_chain", "ledger_record", "ledger_checkpoint", "ledger_prune"};
    private static final String[] OWNED_TABLES = {"ledger_chain", "ledger_record", "ledger_checkpoint", "webhook_delivery",
            "ledger_prune"};
    private static final String[] REWRITING_RIGHTS = {"UPDATE", "DELETE", "TRUNCATE", "TRIGGER"};

    // The roles whose rights the login can use: itself and every role it is a member of, with or without
    // INHERIT (a NOINHERIT membership still allows SET ROLE).
    private static final String ROLES = "SELECT r.oid, r.rolsuper FROM pg_roles r WHERE pg_has_role(current_user, r.oid, 'MEMBER')";

    private static final String QUERY = """
            WITH usable AS (%s),
            -- the named tables, then every monthly partition of ledger_record (reached directly, it is a table too)
            owned_tables AS (
                SELECT name, n FROM unnest(?::text[]) WITH ORDINALITY AS t(name, n)
                UNION ALL
                SELECT i.inhrelid::regclass::text, 1000 FROM pg_inherits i WHERE i.inhparent = to_regclass('ledger_record')),
            ledger_tables AS (
                SELECT name, n FROM unnest(?::text[]) WITH ORDINALITY AS t(name, n)
                UNION ALL
                SELECT i.inhrelid::regclass::text, 1000 FROM pg_inherits i WHERE i.inhparent = to_regclass('ledger_record'))
            SELECT current_user,
                   EXISTS (SELECT FROM usable WHERE rolsuper),
                   ARRAY(SELECT t.name FROM owned_tables t
                         JOIN pg_class c ON c.oid = to_regclass(t.name)
                         WHERE c.relowner IN (SELECT oid FROM usable) ORDER BY t.n, t.name),
                   ARRAY(SELECT p.privilege || ' on ' || t.name
                         FROM ledger_tables t
                         JOIN pg_class c ON c.oid = to_regclass(t.name)
                         CROSS JOIN unnest(?::text[]) WITH ORDINALITY AS p(privilege, m)
                         WHERE c.relowner NOT IN (SELECT oid FROM usable)
                           AND EXISTS (SELECT FROM usable u WHERE CASE p.privilege
                               -- a column's UPDATE right is enough to rewrite that column
                               WHEN 'UPDATE' THEN has_any_column_privilege(u.oid, c.oid, 'UPDATE')
                               ELSE has_table_privilege(u.oid, c.oid, p.privilege) END)
                         ORDER BY t.n, t.name, p.m)
            """.formatted(ROLES);

    public LedgerLogin {
        owns = List.copyOf(owns);
        rights = List.copyOf(rights);
    }

    /** Asks the database what the login of {@code database} may do to the ledger tables that exist. */
    public static LedgerLogin inspect(DataSource database) throws SQLException {
        try (Connection connection = database.getConnection();
             PreparedStatement query = connection.prepareStatement(QUERY)) {
            query.setArray(1, connection.createArrayOf("text", OWNED_TABLES));
            query.setArray(2, connection.createArrayOf("text", LEDGER_TABLES));
            query.setArray(3, connection.createArrayOf("text", REWRITING_RIGHTS));
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return new LedgerLogin(row.getString(1), row.getBoolean(2), strings(row.getArray(3)), strings(row.getArray(4)));
            }
        }
    }

    private static List<String> strings(Array array) throws SQLException {
        return List.of((String[]) array.getArray());
    }

    /** Whether the login could change or remove what the ledger holds. */
    public boolean canRewriteLedger() {
        return superuser || !owns.isEmpty() || !rights.isEmpty();
    }

    /** What the login could do, e.g. "login app owns ledger_chain, ledger_record"; empty when it cannot rewrite. */
    public String describe() {
        if (superuser) {
            return "login " + name + " is a superuser"; // and so may act as every owner
        }
        List<String> facts = new ArrayList<>();
        if (!owns.isEmpty()) {
            facts.add("owns " + String.join(", ", owns));
        }
        if (!rights.isEmpty()) {
            facts.add("holds " + String.join(", ", rights));
        }
        return facts.isEmpty() ? "" : "login " + name + " " + String.join(" and ", facts);
    }
}
