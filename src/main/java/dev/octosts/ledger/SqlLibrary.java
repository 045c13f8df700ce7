package dev.octosts.ledger;

import java.sql.SQLException;
import java.util.Optional;
import org.jooq.exception.DataAccessException;

/**
 * Owns what the rest of the service needs to know about jOOQ, the SQL library under the ledger, without
 * naming it: its start-up banner turned off, and a failed ledger read told apart from other failures.
 */
public final class SqlLibrary {
    private SqlLibrary() {
    }

    /** jOOQ prints a banner and tips on first use; an operator's terminal and logs have no room for them. */
    public static void quiet() {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    /**
     * When {@code e} is a failed ledger read: the database's own error (e.g. connection refused), not jOOQ's
     * wrapping with the SQL text; otherwise empty.
     */
    public static Optional<Throwable> failedRead(Throwable e) {
        if (!(e instanceof DataAccessException)) {
            return Optional.empty();
        }
        Throwable root = e;
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException && cause.getMessage() != null) {
                root = cause;
            }
        }
        return Optional.of(root);
    }
}
