package dev.octosts.webhook;

import java.util.List;

/**
 * The check run's verdict and texts (README rule 47): success is {@code "Valid trust policy."} with an empty
 * summary; failure is {@code "Invalid trust policy."} with go-multierror's list of errors. Warnings go into the
 * output's {@code text} only, so they never change the title, summary or conclusion.
 */
public record CheckRunReport(String conclusion, String title, String summary, String text) {
    public static final String NAME = "Trust Policy Validation";
    /** GitHub refuses an output summary or text longer than this. */
    static final int MAX_OUTPUT_CHARS = 65_535;
    private static final String TRUNCATED = "\n\n(truncated)";

    /** @param errors and {@code warnings} in the order of their files' sorted paths */
    public static CheckRunReport of(List<String> errors, List<String> warnings) {
        String text = warnings.isEmpty() ? null : bounded("Warnings (they do not fail this check):\n\n"
                + String.join("", warnings.stream().map(w -> "* " + w + "\n").toList()));
        if (errors.isEmpty()) {
            return new CheckRunReport("success", "Valid trust policy.", "", text);
        }
        return new CheckRunReport("failure", "Invalid trust policy.",
                bounded("Failed to validate trust policy.\n\n" + multiError(errors)), text);
    }

    /** hashicorp/go-multierror's default format. */
    static String multiError(List<String> errors) {
        if (errors.size() == 1) {
            return "1 error occurred:\n\t* " + errors.getFirst() + "\n\n";
        }
        return errors.size() + " errors occurred:\n\t" + String.join("\n\t", errors.stream().map(e -> "* " + e).toList())
                + "\n\n";
    }

    private static String bounded(String text) {
        return text.length() <= MAX_OUTPUT_CHARS ? text
                : text.substring(0, MAX_OUTPUT_CHARS - TRUNCATED.length()) + TRUNCATED;
    }
}
