package dev.octosts.cli;

import java.io.PrintStream;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command whose subcommands print through its streams ({@code audit}, {@code keys}, {@code ledger},
 * {@code policy}); run alone it prints its usage. What its subcommands throw is reported on its stderr, in
 * one line, by {@link OneLineErrors}. The streams are given, not taken from {@code System}, so that tests
 * read what the command printed.
 */
abstract class CommandGroup implements Runnable {
    private final PrintStream out;
    private final PrintStream err;

    @Spec
    CommandSpec spec;

    CommandGroup(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public final void run() {
        spec.commandLine().usage(out);
    }

    PrintStream out() {
        return out;
    }

    PrintStream err() {
        return err;
    }
}
