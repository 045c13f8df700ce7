package dev.octosts.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code octo-sts ledger}: upkeep of the ledger's storage, as the login that owns it. Like
 * {@code migrate}, it reads {@code DATABASE_MIGRATION_URL}, or else {@code DATABASE_URL}.
 */
@Command(name = "ledger", mixinStandardHelpOptions = true,
        description = "Upkeep of the ledger's storage as its owner (DATABASE_MIGRATION_URL, else DATABASE_URL).",
        subcommands = {LedgerMaintainCommand.class})
public final class LedgerCommand extends CommandGroup {
    /** Exit code when the database refuses the work. */
    static final int EXIT_FAILED = 1;
    /** Exit code for a bad setting or option. */
    static final int EXIT_ERROR = 2;

    private final Map<String, String> env;
    private final Clock clock;

    public LedgerCommand() {
        this(System.getenv(), System.out, System.err, Clock.systemUTC());
    }

    /** @param clock what "this month" is */
    public LedgerCommand(Map<String, String> env, PrintStream out, PrintStream err, Clock clock) {
        super(out, err);
        this.env = Map.copyOf(env);
        this.clock = clock;
    }

    Clock clock() {
        return clock;
    }

    /** The owner's JDBC URL and the variable it came from, as {@code migrate} reads them; null when neither is usable. */
    OwnerUrl ownerUrl() {
        return OwnerUrl.from(env);
    }
}
