package dev.octosts.cli;

import dev.octosts.config.ConfigException;
import dev.octosts.ledger.LedgerPrune;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.YearMonth;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code octo-sts audit prune}: drops the months an archive is proven to hold, as the owner login. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Drop the ledger's monthly partitions wholly before a month, as the owner login (DATABASE_MIGRATION_URL),"
                + " once the archive in DIR (`audit archive --before` the same month) verifies under the ledger key and holds"
                + " exactly their records: per chain the same count, first and last seq and hash.",
                "Each chain's cut is recorded; `audit verify` continues the chain from it."})
final class AuditPruneCommand extends AuditCommand.Subcommand {

    @Mixin
    LedgerCut cut;

    @Option(names = "--archive", required = true, paramLabel = "DIR", description = "The archive of those months.")
    Path archive;

    @Override
    public Integer call() {
        YearMonth month = cut.month();
        OwnerUrl owner = audit.ownerUrl();
        if (owner == null) {
            throw new ConfigException("DATABASE_MIGRATION_URL", "is required: the owner login's PostgreSQL JDBC URL");
        }
        var key = audit.ledgerKey("the ledger key whose public half verifies the archive").publicKey();
        LedgerPrune.Pruned pruned;
        try (Connection connection = DriverManager.getConnection(owner.url())) {
            pruned = LedgerPrune.prune(connection, month, archive, List.of(key), audit.now());
        } catch (SQLException e) {
            throw new IllegalStateException("prune failed (" + owner.variable() + "): " + ErrorLine.of(e), e);
        }
        audit.out().printf("pruned %d records of %d chains before %s: dropped %s%n", pruned.records(), pruned.chains(),
                month, pruned.dropped().isEmpty() ? "no partition" : String.join(", ", pruned.dropped()));
        return 0;
    }
}
