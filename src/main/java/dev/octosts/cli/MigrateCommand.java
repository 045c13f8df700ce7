package dev.octosts.cli;

import dev.octosts.ledger.Migrations;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code octo-sts migrate}: brings the ledger database to the current schema, as the login that owns it.
 * It reads {@code DATABASE_MIGRATION_URL}, or else {@code DATABASE_URL}: run by hand or by a migration job,
 * whichever variable holds the owner's URL is the one given. ({@code serve} never migrates as
 * {@code DATABASE_URL}, the service's own login.)
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Apply the ledger schema migrations to DATABASE_MIGRATION_URL (or DATABASE_URL).")
final class MigrateCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        OwnerUrl owner = OwnerUrl.from(System.getenv());
        if (owner == null && OwnerUrl.neitherSet(System.getenv())) {
            System.err.println("octo-sts: configuration error: DATABASE_MIGRATION_URL (or DATABASE_URL) is required: the JDBC URL"
                    + " of the login that owns the ledger schema");
            return 2;
        }
        if (owner == null) {
            System.err.println("octo-sts: configuration error: DATABASE_MIGRATION_URL or DATABASE_URL must be a PostgreSQL JDBC URL");
            return 2;
        }
        try {
            int applied = Migrations.migrate(owner.url());
            System.out.println("applied " + applied + " migration(s); the ledger schema is current");
            return 0;
        } catch (Migrations.NotOwner e) {
            System.err.println("octo-sts: configuration error: " + owner.variable() + ": " + e.getMessage()
                    + ": set DATABASE_MIGRATION_URL to the schema owner's login (the sandbox's is user=octo_sts_owner)");
            return 2;
        } catch (RuntimeException e) {
            System.err.println("octo-sts: migration failed (" + owner.variable() + "): " + ErrorLine.of(e));
            return 1;
        }
    }
}
