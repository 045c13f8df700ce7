package dev.octosts.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code octo-sts} command line. */
@Command(name = "octo-sts", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Security Token Service for GitHub: exchanges OIDC tokens for short-lived GitHub App tokens.",
        subcommands = {ServeCommand.class, MigrateCommand.class, AuditCommand.class, DevCommand.class, PolicyCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        // jOOQ prints a banner and tips on first use; an operator's terminal and logs have no room for them.
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        System.exit(new CommandLine(new Main()).execute(args));
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
