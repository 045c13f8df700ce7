package dev.octosts.telemetry;

import dev.octosts.config.LogFormat;

import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where the process's log records go (everything logs through java.util.logging: our code, Helidon, and the
 * libraries that use SLF4J, through slf4j-jdk14): standard error, one line per record in the chosen format.
 * Our own records at INFO and above; the libraries' (Helidon, Flyway, HikariCP, jOOQ, embedded PostgreSQL)
 * only from WARNING, so a start-up reads as its own steps.
 */
public final class LogOutput {
    /** Loggers whose INFO records are ours: the code's packages and the events ({@code octosts.exchange}). */
    private static final List<String> OURS = List.of("dev.octosts", "octosts");
    /** Held, since java.util.logging keeps loggers only weakly and would forget their levels. */
    private static final List<Logger> CONFIGURED = new java.util.concurrent.CopyOnWriteArrayList<>();

    private LogOutput() {
    }

    /**
     * Replaces the root handlers by one that writes {@code format} to standard error ({@link StderrLines});
     * {@code quiet} (the sandbox) keeps warnings and errors only, so that its banner is what a user sees.
     */
    public static void configure(LogFormat format, boolean quiet) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
            handler.close();
        }
        Handler stderr = new StderrLines(System.err, format == LogFormat.JSON ? new JsonLogFormat() : new TextLogFormat());
        stderr.setLevel(Level.ALL);
        root.addHandler(stderr);
        root.setLevel(Level.WARNING);
        CONFIGURED.clear();
        for (String name : OURS) {
            Logger ours = Logger.getLogger(name);
            ours.setLevel(quiet ? Level.WARNING : Level.INFO);
            CONFIGURED.add(ours);
        }
    }
}
