package dev.octosts.policy;

import dev.octosts.gocompat.GoText;

/**
 * A pattern that Go's {@code regexp} would refuse, with Go's error text:
 * {@code error parsing regexp: <description>: `<expression>`}.
 */
public final class RegexSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String description;
    private final String expression;

    RegexSyntaxException(String description, String expression) {
        super("error parsing regexp: " + description + ": `" + bounded(expression) + "`");
        this.description = description;
        this.expression = expression;
    }

    /** Go's error code text, e.g. {@code missing closing )}. */
    public String description() {
        return description;
    }

    /** The part of the pattern the error is about (Go's {@code Error.Expr}). */
    public String expression() {
        return expression;
    }

    private static String bounded(String expression) {
        return expression.length() <= GoText.MAX_ECHOED_CHARS
                ? expression
                : expression.substring(0, GoText.MAX_ECHOED_CHARS) + "...";
    }
}
