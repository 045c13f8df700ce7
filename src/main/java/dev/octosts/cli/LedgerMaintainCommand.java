package dev.octosts.cli;

import dev.octosts.ledger.LedgerPartitions;
import dev.octosts.ledger.LedgerPartitions.Maintenance;
import dev.octosts.ledger.OidcTokenUses;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code octo-sts ledger maintain}: makes the ledger's monthly partitions ahead of time (idempotent), so
 * that records never collect in the default partition, and forgets the replay-protection memory of OIDC
 * tokens that have expired (the service's own login may not delete it). Meant to run daily, e.g. as a
 * Kubernetes CronJob.
 */
@Command(name = "maintain", mixinStandardHelpOptions = true,
        description = "Make the ledger's partitions of this month and the coming months (idempotent) and forget"
                + " expired OIDC tokens of replay protection, as the owner login.")
final class LedgerMaintainCommand implements Callable<Integer> {

    @ParentCommand
    LedgerCommand ledger;

    @Option(names = "--months-ahead", paramLabel = "N", defaultValue = "" + LedgerPartitions.MONTHS_AHEAD,
            description = "Months after the current one to make partitions for (0 to "
                    + LedgerPartitions.MAX_MONTHS_AHEAD + ", default ${DEFAULT-VALUE}).")
    int monthsAhead;

    @Override
    public Integer call() {
        OwnerUrl owner = ledger.ownerUrl();
        if (owner == null) {
            ledger.err().println("octo-sts ledger: configuration error: DATABASE_MIGRATION_URL or DATABASE_URL must be a PostgreSQL JDBC URL");
            return LedgerCommand.EXIT_ERROR;
        }
        if (monthsAhead < 0 || monthsAhead > LedgerPartitions.MAX_MONTHS_AHEAD) {
            ledger.err().println("octo-sts ledger: --months-ahead must be 0 to " + LedgerPartitions.MAX_MONTHS_AHEAD);
            return LedgerCommand.EXIT_ERROR;
        }
        Maintenance done;
        long forgotten;
        try (Connection connection = DriverManager.getConnection(owner.url())) {
            done = LedgerPartitions.maintain(connection, ledger.clock().instant(), monthsAhead);
            forgotten = OidcTokenUses.prune(connection, ledger.clock().instant());
        } catch (SQLException | RuntimeException e) {
            ledger.err().println("octo-sts ledger: maintenance failed (" + owner.variable() + "): " + ErrorLine.of(e));
            return LedgerCommand.EXIT_FAILED;
        }
        ledger.out().println(done.created().isEmpty() ? "no partition to make"
                : "made partitions " + String.join(", ", done.created()));
        if (!done.protectedNow().isEmpty()) {
            ledger.out().println("gave a primary key and TRUNCATE trigger to " + String.join(", ", done.protectedNow()));
        }
        if (done.strays() > 0) {
            ledger.out().println(done.strays() + " record(s) in ledger_record_default, outside every monthly partition");
        }
        if (forgotten > 0) {
            ledger.out().println("forgot " + forgotten + " expired OIDC token use(s) of replay protection");
        }
        return 0;
    }
}
