package dev.octosts.cli;

import dev.octosts.config.ConfigException;
import dev.octosts.ledger.SqlLibrary;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The one handler for what a subcommand of a {@link CommandGroup} throws: bad settings, bad options, a
 * database that cannot be read, or anything else become one line on the group's stderr
 * ({@code octo-sts <group>: ...}) and exit code 2. Other commands keep picocli's default (the stack trace,
 * exit code 1): they report the failures they expect themselves.
 */
final class OneLineErrors implements IExecutionExceptionHandler {
    static final int EXIT_ERROR = 2;

    /** {@code command} with this handler set (picocli passes it to the subcommands already added). */
    static CommandLine on(CommandLine command) {
        return command.setExecutionExceptionHandler(new OneLineErrors());
    }

    @Override
    public int handleExecutionException(Exception error, CommandLine command, ParseResult parseResult) throws Exception {
        CommandLine group = command;
        while (group != null && !(group.getCommand() instanceof CommandGroup)) {
            group = group.getParent();
        }
        if (group == null) {
            throw error;
        }
        CommandGroup streams = group.getCommand();
        streams.err().println("octo-sts " + group.getCommandName() + ": " + line(error));
        streams.out().flush();
        return EXIT_ERROR;
    }

    private static String line(Exception error) {
        Optional<Throwable> failedRead = SqlLibrary.failedRead(error);
        if (failedRead.isPresent()) {
            return "cannot read the ledger: " + ErrorLine.of(failedRead.get());
        }
        return switch (error) {
            case ConfigException e -> "configuration error: " + e.getMessage();
            case PolicyCommand.UsageException e -> e.getMessage();
            case IllegalArgumentException e -> e.getMessage();
            case IllegalStateException e -> e.getMessage();
            default -> error.getClass().getSimpleName() + ": " + ErrorLine.of(error);
        };
    }
}
