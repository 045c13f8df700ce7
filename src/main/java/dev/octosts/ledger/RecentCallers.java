package dev.octosts.ledger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.BiConsumer;

/**
 * The callers (issuer and subject) whose tokens were allowed since a time, as the ledger recorded them: what a
 * starting process knows of who has been served, across restarts and every process writing the ledger.
 * Bounded in rows and time, since it runs while the service starts.
 */
public final class RecentCallers {
    private static final int QUERY_TIMEOUT_SECONDS = 10;
    private static final String SELECT = """
            SELECT DISTINCT issuer, subject FROM ledger_record
            WHERE recorded_at >= ? AND decision = 'allow' AND issuer IS NOT NULL AND subject IS NOT NULL
            LIMIT ?""";

    private RecentCallers() {
    }

    /** Hands each caller to {@code caller}; at most {@code limit} of them. */
    public static void since(DataSource database, Instant since, int limit, BiConsumer<String, String> caller)
            throws SQLException {
        try (Connection connection = database.getConnection();
             PreparedStatement select = connection.prepareStatement(SELECT)) {
            select.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            select.setObject(1, since.atOffset(ZoneOffset.UTC));
            select.setInt(2, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    caller.accept(rows.getString(1), rows.getString(2));
                }
            }
        }
    }
}
