package dev.octosts.cli;

import dev.octosts.config.ConfigException;
import dev.octosts.config.Pkcs11Settings;
import dev.octosts.keys.PemKeys;
import dev.octosts.keys.Pkcs11Token;
import dev.octosts.keys.SigningKey;
import dev.octosts.ledger.ArchiveManifest;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.LedgerArchive;
import dev.octosts.ledger.LedgerPrune;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code octo-sts audit}: read, export and verify the ledger. Settings come from the environment:
 * {@code DATABASE_URL} (runtime JDBC URL, credentials as URL parameters) and
 * {@code LEDGER_SIGNING_KEY_FILE} (the ledger key, for its public half). The subcommands only parse
 * options and print; the work is done by the ledger classes.
 *
 * <p>{@code archive} and {@code prune} are the two steps that take months out of the database, first into a
 * signed archive, then out of the tables; they are methods here, sharing one cut.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Query, export and verify the audit ledger (settings: DATABASE_URL, LEDGER_SIGNING_KEY_FILE"
                + " or LEDGER_KEY_ALIAS with PKCS11_CONFIG and PKCS11_PIN / PKCS11_PIN_FILE).",
        subcommands = {AuditQueryCommand.class, AuditVerifyCommand.class, AuditExportCommand.class,
                AuditPublicKeyCommand.class})
public final class AuditCommand extends CommandGroup {
    /** Exit code of {@code audit verify} when the ledger is broken. */
    static final int EXIT_BROKEN = 1;

    private final Map<String, String> env;
    private final Clock clock;

    public AuditCommand() {
        this(System.getenv(), System.out, System.err, Clock.systemUTC());
    }

    public AuditCommand(Map<String, String> env, PrintStream out, PrintStream err) {
        this(env, out, err, Clock.systemUTC());
    }

    /** @param clock what relative times such as {@code 24h} count back from */
    public AuditCommand(Map<String, String> env, PrintStream out, PrintStream err, Clock clock) {
        super(out, err);
        this.env = Map.copyOf(env);
        this.clock = clock;
    }

    Instant now() {
        return clock.instant();
    }

    /** The ledger database from {@code DATABASE_URL}; a connection is opened per use. */
    DataSource database() {
        String url = env.get("DATABASE_URL");
        if (url == null || url.isBlank()) {
            throw new ConfigException("DATABASE_URL", "is required: the runtime JDBC URL of the ledger database");
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("DATABASE_URL", "must be a PostgreSQL JDBC URL starting with jdbc:postgresql:");
        }
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        try {
            dataSource.setURL(url);
        } catch (IllegalArgumentException e) {
            // The driver's message repeats the URL, password included.
            throw new ConfigException("DATABASE_URL", "must be a valid PostgreSQL JDBC URL");
        }
        return dataSource;
    }

    /** The owner login's URL ({@code DATABASE_MIGRATION_URL}, else {@code DATABASE_URL}), or null when neither is usable. */
    OwnerUrl ownerUrl() {
        return OwnerUrl.from(env);
    }

    /** The ledger key from {@code LEDGER_SIGNING_KEY_FILE}, or by {@code LEDGER_KEY_ALIAS} from the PKCS#11 token. */
    SigningKey ledgerKey(String whatFor) {
        String alias = env.get("LEDGER_KEY_ALIAS");
        if (alias != null && !alias.isBlank()) {
            return Pkcs11Token.open(Pkcs11Settings.fromEnvironment(env, "LEDGER_KEY_ALIAS")).key(alias.strip(), "LEDGER_KEY_ALIAS");
        }
        String file = env.get("LEDGER_SIGNING_KEY_FILE");
        if (file == null || file.isBlank()) {
            throw new ConfigException("LEDGER_SIGNING_KEY_FILE", "is required: " + whatFor);
        }
        try {
            return PemKeys.fromFile(Path.of(file));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("LEDGER_SIGNING_KEY_FILE", e.getMessage());
        }
    }

    @Command(name = "archive", mixinStandardHelpOptions = true,
            description = {"Write every record before a time into DIR: one JSON Lines file per chain (db/ledger-record.schema.json)"
                    + " and manifest.jws, signed with the ledger key (first and last seq and hash of each chain, its checkpoints).",
                    "Check it later, without the database, with `audit verify --archive DIR`."})
    int archive(@Mixin LedgerCut cut, @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "The archive directory: created, or empty.") Path out) {
        CheckpointSigner signer = new CheckpointSigner(ledgerKey("the ledger key that signs the archive's manifest"));
        ArchiveManifest manifest;
        try {
            manifest = LedgerArchive.write(database(), signer, cut.instant(), now(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the archive in " + out, e);
        }
        long records = manifest.chains().stream().mapToLong(ArchiveManifest.Chain::records).sum();
        out().printf("archived %d records of %d chains before %s in %s%n", records, manifest.chains().size(),
                manifest.before(), out);
        return 0;
    }

    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = {"Drop the ledger's monthly partitions wholly before a month, as the owner login (DATABASE_MIGRATION_URL),"
                    + " once the archive in DIR (`audit archive --before` the same month) verifies under the ledger key and holds"
                    + " exactly their records: per chain the same count, first and last seq and hash.",
                    "Each chain's cut is recorded; `audit verify` continues the chain from it."})
    int prune(@Mixin LedgerCut cut, @Option(names = "--archive", required = true, paramLabel = "DIR",
            description = "The archive of those months.") Path archive) {
        YearMonth month = cut.month();
        OwnerUrl owner = ownerUrl();
        if (owner == null) {
            throw new ConfigException("DATABASE_MIGRATION_URL", "is required: the owner login's PostgreSQL JDBC URL");
        }
        var key = ledgerKey("the ledger key whose public half verifies the archive").publicKey();
        LedgerPrune.Pruned pruned;
        try (Connection connection = DriverManager.getConnection(owner.url())) {
            pruned = LedgerPrune.prune(connection, month, archive, List.of(key), now());
        } catch (SQLException e) {
            throw new IllegalStateException("prune failed (" + owner.variable() + "): " + ErrorLine.of(e), e);
        }
        out().printf("pruned %d records of %d chains before %s: dropped %s%n", pruned.records(), pruned.chains(),
                month, pruned.dropped().isEmpty() ? "no partition" : String.join(", ", pruned.dropped()));
        return 0;
    }

    /** A subcommand of {@code audit}: the database, the ledger key, the clock and the output come through it. */
    abstract static class Subcommand implements Callable<Integer> {
        @ParentCommand
        AuditCommand audit;
    }
}
