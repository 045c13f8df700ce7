package dev.octosts.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code octo-sts ledger}: upkeep of the ledger's storage, as the login that owns it. Like
 * {@code migrate}, it reads {@code DATABASE_MIGRATION_URL}, or else {@code DATABASE_URL}.
 */
@Command(name = "ledger", mixinStandardHelpOptions = true,
        description = "Upkeep of the ledger's storage as its owner (DATABASE_MIGRATION_URL, else DATABASE_URL).",
        subcommands = {LedgerMaintainCommand.class})
public final class LedgerCommand implements Runnable {
    /** Exit code when the database refuses the work. */
    static final int EXIT_FAILED = 1;
    /** Exit code for a bad setting or option. */
    static final int EXIT_ERROR = 2;

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    @Spec
    CommandSpec spec;

    public LedgerCommand() {
        this(System.getenv(), System.out, System.err, Clock.systemUTC());
    }

    /** @param clock what "this month" is */
    public LedgerCommand(Map<String, String> env, PrintStream out, PrintStream err, Clock clock) {
        this.env = Map.copyOf(env);
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    @Override
    public void run() {
        spec.commandLine().usage(out);
    }

    PrintStream out() {
        return out;
    }

    PrintStream err() {
        return err;
    }

    Clock clock() {
        return clock;
    }

    /** The owner's JDBC URL and the variable it came from, as {@code migrate} reads them; null when neither is usable. */
    OwnerUrl ownerUrl() {
        for (String variable : new String[] {"DATABASE_MIGRATION_URL", "DATABASE_URL"}) {
            String url = env.get(variable);
            if (url != null && !url.isBlank()) {
                return url.startsWith("jdbc:postgresql:") ? new OwnerUrl(variable, url) : null;
            }
        }
        return null;
    }

    record OwnerUrl(String variable, String url) {
    }
}
