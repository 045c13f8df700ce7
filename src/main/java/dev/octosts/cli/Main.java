package dev.octosts.cli;

import dev.octosts.config.ConfigException;
import dev.octosts.config.LogFormat;
import dev.octosts.ledger.SqlLibrary;
import dev.octosts.telemetry.LogOutput;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code octo-sts} command line. */
@Command(name = "octo-sts", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Security Token Service for GitHub: exchanges OIDC tokens for short-lived GitHub App tokens.",
        subcommands = {ServeCommand.class, MigrateCommand.class, LedgerCommand.class, AuditCommand.class, KeysCommand.class,
                PolicyCommand.class, DevCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        try {
            LogOutput.configure(LogFormat.fromEnvironment(System.getenv()), false);
        } catch (ConfigException e) {
            System.err.println("octo-sts: configuration error: " + e.getMessage());
            System.exit(2);
        }
        SqlLibrary.quiet();
        int exit = commandLine().execute(args);
        // Commands print through System.out; what a last print left in its buffer goes out before the exit.
        System.out.flush();
        System.exit(exit);
    }

    /**
     * The command line with its error handling: a bad argument, or a failure of an {@code audit}, {@code keys},
     * {@code ledger} or {@code policy} subcommand, is one line on stderr and exit code 2.
     */
    static CommandLine commandLine() {
        return OneLineErrors.on(new CommandLine(new Main())).setParameterExceptionHandler((error, args) -> {
            CommandLine command = error.getCommandLine();
            command.getErr().println("octo-sts: " + error.getMessage().lines().findFirst().orElse("bad arguments")
                    + " (see '" + command.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"octo-sts " + (version == null ? "development build" : version)};
        }
    }
}
