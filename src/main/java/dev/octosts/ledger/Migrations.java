package dev.octosts.ledger;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Applies the ledger schema ({@code db/migration}) with Flyway, as the migration (owner) role. */
public final class Migrations {
    private Migrations() {
    }

    /**
     * Brings the database at {@code jdbcUrl} (credentials as URL parameters) to the latest schema.
     *
     * @return how many migrations were applied
     */
    public static int migrate(String jdbcUrl) {
        MigrateResult result = Flyway.configure()
                .dataSource(jdbcUrl, null, null)
                .locations("classpath:db/migration")
                .failOnMissingLocations(true)
                .load()
                .migrate();
        return result.migrationsExecuted;
    }
}
