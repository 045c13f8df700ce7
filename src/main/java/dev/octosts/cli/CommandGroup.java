package dev.octosts.cli;

import java.io.PrintStream;

/**
 * A command whose subcommands print through its streams ({@code audit}, {@code keys}, {@code policy}); their
 * failures are reported there, in one line, by {@link OneLineErrors}.
 */
interface CommandGroup {
    PrintStream out();

    PrintStream err();
}
