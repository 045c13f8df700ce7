package dev.octosts.webhook;

import dev.octosts.digest.Sha256;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Replay protection shared by every service process on the database (table {@code webhook_delivery}): a
 * delivery is claimed under its {@code X-GitHub-Delivery} id and under the SHA-256 of its signed body, so
 * a replayed delivery (GitHub's redelivery or a captured request sent again) creates no second check run,
 * whichever replica receives it. Claims are kept for {@link #RETENTION}. Thread-safe.
 */
final class DeliveryMemory {
    static final Duration RETENTION = Duration.ofDays(7);
    private static final Duration PRUNE_EVERY = Duration.ofHours(1);

    /** The database could not be asked; the delivery is not processed (GitHub may deliver it again). */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(SQLException cause) {
            super("webhook delivery memory unavailable: SQLState " + cause.getSQLState(), null, false, false);
        }
    }

    private final DataSource database;
    private final Clock clock;
    private volatile Instant prunedAt = Instant.EPOCH;

    DeliveryMemory(DataSource database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Claims a delivery; false when its id or its exact body was claimed before and not released. */
    boolean claim(String deliveryId, byte[] body) {
        List<String> keys = keys(deliveryId, body);
        Instant now = clock.instant();
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            boolean fresh;
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO webhook_delivery (delivery_key, claimed_at) VALUES "
                            + String.join(", ", keys.stream().map(key -> "(?, ?)").toList())
                            + " ON CONFLICT DO NOTHING")) {
                int parameter = 1;
                for (String key : keys) {
                    insert.setString(parameter++, key);
                    insert.setTimestamp(parameter++, Timestamp.from(now));
                }
                // A concurrent claim of the same key waits for this one's commit, then inserts nothing.
                fresh = insert.executeUpdate() == keys.size();
            }
            if (fresh) {
                connection.commit();
            } else {
                connection.rollback();
            }
            if (fresh && prunedAt.plus(PRUNE_EVERY).isBefore(now)) {
                prune(connection, now);
            }
            return fresh;
        } catch (SQLException e) {
            throw new Unavailable(e);
        }
    }

    /** Forgets a delivery that could not be processed, so that GitHub's redelivery is processed. */
    void release(String deliveryId, byte[] body) {
        List<String> keys = keys(deliveryId, body);
        try (Connection connection = database.getConnection();
             PreparedStatement delete = connection.prepareStatement(
                     "DELETE FROM webhook_delivery WHERE delivery_key = ANY (?)")) {
            delete.setArray(1, connection.createArrayOf("text", keys.toArray()));
            delete.executeUpdate();
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
        } catch (SQLException e) {
            throw new Unavailable(e);
        }
    }

    private void prune(Connection connection, Instant now) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM webhook_delivery WHERE claimed_at < ?")) {
            delete.setTimestamp(1, Timestamp.from(now.minus(RETENTION)));
            delete.executeUpdate();
            connection.commit();
        }
        prunedAt = now;
    }

    private static List<String> keys(String deliveryId, byte[] body) {
        List<String> keys = new ArrayList<>(2);
        keys.add("body:" + Sha256.hex(body));
        if (deliveryId != null && !deliveryId.isEmpty()) {
            // Hashed, so that a long header cannot make a row large.
            keys.add("id:" + Sha256.hex(deliveryId));
        }
        return keys;
    }

}
