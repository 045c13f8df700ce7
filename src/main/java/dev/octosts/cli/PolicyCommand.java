package dev.octosts.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Unmatched;

/**
 * {@code octo-sts policy}: tools for policy authors, offline. The subcommands read policies with the exchange's
 * own parser and compiler ({@code dev.octosts.policy}); nothing here talks to GitHub or an OIDC issuer.
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Check trust policies and explain their verdict on a token, offline, with the exchange's own code.",
        subcommands = {PolicyCheckCommand.class, PolicyExplainCommand.class})
public final class PolicyCommand extends CommandGroup {
    /** Exit code when a policy is invalid or denies the token. */
    static final int EXIT_REFUSED = 1;
    /** Exit code for bad arguments or a file that cannot be read. */
    static final int EXIT_ERROR = OneLineErrors.EXIT_ERROR;

    private final InputStream in;

    public PolicyCommand() {
        this(System.in, System.out, System.err);
    }

    /** @param in where {@code explain --token -} reads the token */
    public PolicyCommand(InputStream in, PrintStream out, PrintStream err) {
        super(out, err);
        this.in = in;
    }

    /** Standard input, at most {@code maxChars} of it as UTF-8 text, or null when there is more. */
    String readInput(int maxChars) {
        try {
            byte[] bytes = in.readNBytes(maxChars * 4 + 1);
            String text = new String(bytes, StandardCharsets.UTF_8);
            return bytes.length > maxChars * 4 || text.length() > maxChars ? null : text;
        } catch (IOException e) {
            throw new UsageException("cannot read standard input (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** One line on stderr. */
    void error(String message) {
        err().println("octo-sts policy: " + message);
    }

    /**
     * A subcommand of {@code policy}. Arguments picocli cannot match are collected rather than refused by
     * picocli, whose message would echo them, and refused before the subcommand runs.
     */
    abstract static class Subcommand implements Callable<Integer> {
        @ParentCommand
        PolicyCommand policy;

        @Unmatched
        List<String> unmatched = new ArrayList<>();

        @Override
        public final Integer call() {
            refuseUnmatched(unmatched);
            return run();
        }

        /** The exit code, once the arguments are known to be all matched. */
        abstract int run();
    }

    /**
     * Refuses arguments picocli could not match, naming options but never echoing other values (a stray
     * value may be a token).
     */
    private static void refuseUnmatched(List<String> unmatched) {
        if (unmatched.isEmpty()) {
            return;
        }
        String first = unmatched.getFirst();
        if (first.startsWith("-")) {
            int equals = first.indexOf('=');
            throw new UsageException("unknown option '" + (equals < 0 ? first : first.substring(0, equals))
                    + "' (see --help)");
        }
        throw new UsageException("unexpected argument (" + unmatched.size() + " value" + (unmatched.size() == 1 ? "" : "s")
                + " not shown; see --help)");
    }

    /** A UTF-8 file of at most {@code maxBytes}, or null when it is larger. */
    static String readUtf8(Path file, long maxBytes) {
        try {
            if (Files.size(file) > maxBytes) {
                return null;
            }
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new UsageException(file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Bad arguments or an unreadable file: one line, exit 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message, null, false, false);
        }
    }
}
