package dev.octosts.cli;

import java.util.regex.Pattern;

/**
 * An error as one line for a terminal or a log: the first line of its message, with any
 * {@code password=} parameter of a JDBC URL masked (drivers and Flyway repeat the URL they were given).
 */
final class ErrorLine {
    private static final Pattern PASSWORD = Pattern.compile("password=[^&\\s)]*");

    private ErrorLine() {
    }

    static String of(Throwable error) {
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        return PASSWORD.matcher(message.lines().findFirst().orElse("")).replaceAll("password=***");
    }
}
