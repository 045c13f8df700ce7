package dev.octosts.cli;

import dev.octosts.config.ConfigException;
import java.sql.SQLException;
import org.jooq.exception.DataAccessException;
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
        return switch (error) {
            case ConfigException e -> "configuration error: " + e.getMessage();
            case PolicyCommand.UsageException e -> e.getMessage();
            case IllegalArgumentException e -> e.getMessage();
            case IllegalStateException e -> e.getMessage();
            case DataAccessException e -> "cannot read the ledger: " + ErrorLine.of(rootCause(e));
            default -> error.getClass().getSimpleName() + ": " + ErrorLine.of(error);
        };
    }

    /** The database's own error (e.g. connection refused), not jOOQ's wrapping with the SQL text. */
    private static Throwable rootCause(DataAccessException e) {
        Throwable root = e;
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException && cause.getMessage() != null) {
                root = cause;
            }
        }
        return root;
    }
}
