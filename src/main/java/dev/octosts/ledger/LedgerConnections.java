package dev.octosts.ledger;

import org.postgresql.util.PSQLException;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/** How the ledger sets up its transactions and reads the database's failures. */
final class LedgerConnections {
    /** Durability is set on every transaction, never left to the server or role default. */
    private static final String CONFIGURE_TRANSACTION =
            "select set_config('synchronous_commit', 'on', true), set_config('statement_timeout', ?, true)";

    private LedgerConnections() {
    }

    static void configure(Connection connection, Duration appendTimeout) throws SQLException {
        long timeoutMillis = appendTimeout.toMillis();
        connection.setAutoCommit(false);
        // A commit that hangs (network gone) must end, so the writer can re-read the head and go on.
        connection.setNetworkTimeout(Runnable::run, Math.toIntExact(Math.min(Integer.MAX_VALUE, timeoutMillis + 1000)));
        try (PreparedStatement statement = connection.prepareStatement(CONFIGURE_TRANSACTION)) {
            statement.setString(1, Long.toString(timeoutMillis));
            statement.execute();
        }
    }

    static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; the pool discards it.
        }
    }

    /** The SQLState of a failed statement or batch, or null. */
    static String sqlState(Throwable e) {
        return statementFailure(e) instanceof SQLException sql ? sql.getSQLState() : null;
    }

    /** Data exception (22), integrity constraint (23) or program limit (54): the server answered and refused the data. */
    static boolean refusedData(Throwable e) {
        String state = sqlState(e);
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    /** A short cause for logs and messages: never the batch's bound values, which pgjdbc puts in its own. */
    static String describe(Throwable e) {
        e = statementFailure(e);
        if (e instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
            return "SQLState " + psql.getSQLState() + ": " + psql.getServerErrorMessage().getMessage();
        }
        if (e instanceof SQLException sql) {
            return e.getClass().getSimpleName() + " (SQLState " + sql.getSQLState() + "): " + e.getMessage();
        }
        return e == null ? "unknown" : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** A failed batch reports the server's answer as its next exception. */
    private static Throwable statementFailure(Throwable e) {
        return e instanceof BatchUpdateException batch && batch.getNextException() != null ? batch.getNextException() : e;
    }
}
