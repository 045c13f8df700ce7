package dev.octosts.ledger;

import dev.octosts.exchange.TokenUses;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * Replay protection's memory in PostgreSQL (table {@code oidc_token_use}, V7), shared by every service
 * process on the database: a use is claimed by inserting its key, and the primary key lets only the first
 * insert of a key succeed, however many processes race. The runtime login only inserts; rows past their
 * token's expiry are deleted by the schema owner ({@link #prune}, run by {@code octo-sts ledger maintain}).
 */
public final class OidcTokenUses implements TokenUses {
    /**
     * How long a row is kept after its token's {@code exp}: the verifier accepts no token past its exp
     * (no leeway), so this margin only covers clocks of different processes disagreeing.
     */
    public static final Duration KEPT_AFTER_EXPIRY = Duration.ofHours(1);
    /**
     * The longest a use is remembered: a token's {@code exp} is whatever its issuer wrote (year 9999, or past
     * what PostgreSQL can store), and a row kept until then would never be pruned.
     */
    public static final Duration REMEMBERED_AT_MOST = Duration.ofDays(31);
    private static final int QUERY_TIMEOUT_SECONDS = 5;
    /** Rows one prune statement deletes at most, so that it never holds many locks for long. */
    static final int PRUNE_BATCH = 10_000;

    private final DataSource database;
    private final Clock clock;

    public OidcTokenUses(DataSource database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    @Override
    public boolean claim(String useKey, Instant expiresAt) throws UnavailableException {
        try (Connection connection = database.getConnection();
             PreparedStatement insert = connection.prepareStatement(
                     "INSERT INTO oidc_token_use (use_key, expires_at, used_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            insert.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            insert.setString(1, useKey);
            Instant now = clock.instant();
            Instant latest = now.plus(REMEMBERED_AT_MOST);
            insert.setTimestamp(2, Timestamp.from(expiresAt.isAfter(latest) ? latest : expiresAt));
            insert.setTimestamp(3, Timestamp.from(now));
            // A concurrent claim of the same key waits for this one's commit, then inserts nothing.
            return insert.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new UnavailableException(e.getClass().getSimpleName() + ": " + LedgerText.sanitize(e.getMessage()), e);
        }
    }

    /**
     * Deletes the uses whose tokens expired more than {@link #KEPT_AFTER_EXPIRY} before {@code now}, as the
     * schema owner (the runtime login may not delete); returns how many.
     */
    public static long prune(Connection owner, Instant now) throws SQLException {
        long deleted = 0;
        try (PreparedStatement delete = owner.prepareStatement("""
                DELETE FROM oidc_token_use WHERE use_key IN (
                    SELECT use_key FROM oidc_token_use WHERE expires_at < ? LIMIT\s""" + PRUNE_BATCH + ")")) {
            delete.setTimestamp(1, Timestamp.from(now.minus(KEPT_AFTER_EXPIRY)));
            int batch;
            do {
                batch = delete.executeUpdate();
                deleted += batch;
            } while (batch == PRUNE_BATCH);
        }
        return deleted;
    }
}
