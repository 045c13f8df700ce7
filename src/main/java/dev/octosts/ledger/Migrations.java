package dev.octosts.ledger;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
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
        // Asked first: with a current schema Flyway itself succeeds as any login that can read its history.
        String login = loginThatCannotMigrate(jdbcUrl);
        if (login != null) {
            throw new NotOwner(login);
        }
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

    /** The login at {@code jdbcUrl} may not change the ledger schema (e.g. the service's own, INSERT and SELECT only). */
    public static final class NotOwner extends IllegalStateException {
        private final String login;

        NotOwner(String login) {
            super("login " + login + " does not own the ledger schema, so it cannot migrate it");
            this.login = login;
        }

        public String login() {
            return login;
        }
    }

    /**
     * The name of the login at {@code jdbcUrl} when it can neither create tables in its schema nor owns Flyway's
     * history table there; null when it could migrate, or when that cannot be told (Flyway then reports why).
     */
    private static String loginThatCannotMigrate(String jdbcUrl) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
             ResultSet row = connection.createStatement().executeQuery("""
                     SELECT current_user,
                            has_schema_privilege(current_user, current_schema(), 'CREATE') AS creates,
                            coalesce((SELECT pg_has_role(current_user, tableowner, 'USAGE') FROM pg_tables
                                      WHERE schemaname = current_schema() AND tablename = 'flyway_schema_history'), true) AS owns
                     """)) {
            row.next();
            return row.getBoolean("creates") && row.getBoolean("owns") ? null : row.getString(1);
        } catch (SQLException e) {
            return null;
        }
    }

    private static FluentConfiguration flyway() {
        return Flyway.configure()
                .locations("classpath:db/migration")
                .failOnMissingLocations(true);
    }
}
