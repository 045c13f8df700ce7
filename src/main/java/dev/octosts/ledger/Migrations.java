package dev.octosts.ledger;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the ledger schema ({@code db/migration}) with Flyway, as the migration (owner) role; the
 * service's runtime login only reads which migrations are applied.
 */
public final class Migrations {
    private Migrations() {
    }

    /**
     * Brings the database at {@code jdbcUrl} (credentials as URL parameters) to the latest schema, and
     * makes the ledger's partitions of this month and {@value LedgerPartitions#MONTHS_AHEAD} months ahead.
     *
     * @return how many migrations were applied
     */
    public static int migrate(String jdbcUrl) {
        MigrateResult result = flyway().dataSource(jdbcUrl, null, null).load().migrate();
        try (Connection owner = DriverManager.getConnection(jdbcUrl)) {
            LedgerPartitions.maintain(owner, Instant.now(), LedgerPartitions.MONTHS_AHEAD);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot make the ledger's monthly partitions: " + e.getMessage(), e);
        }
        return result.migrationsExecuted;
    }

    /**
     * How many migrations the database has not applied yet, read with SELECT on Flyway's history table
     * (granted to {@code octo_sts_runtime} after every migration).
     *
     * @throws org.flywaydb.core.api.FlywayException when the history cannot be read
     */
    public static int pending(DataSource database) {
        return flyway().dataSource(database).load().info().pending().length;
    }

    private static FluentConfiguration flyway() {
        return Flyway.configure()
                .locations("classpath:db/migration")
                .failOnMissingLocations(true);
    }
}
