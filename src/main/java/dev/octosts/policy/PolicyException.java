package dev.octosts.policy;

import dev.octosts.gocompat.GoText;

import java.util.List;
import java.util.OptionalInt;

/**
 * A trust policy or organization allowlist that cannot be parsed or compiled.
 *
 * <p>{@link #reason()} is a stable snake_case code for records and metrics ({@code yaml_syntax},
 * {@code unknown_field}, {@code duplicate_key}, {@code wrong_type}, {@code invalid_policy},
 * {@code invalid_pattern}, …); {@link #getMessage()} reads like Octo STS's Go error. Messages echo at most
 * {@link GoText#MAX_ECHOED_CHARS} characters of any input.
 *
 * <p>For policy authors' tools the failure may also say where it is: {@link #line()} when the YAML reader
 * knows it, {@link #field()} (the key path in the file) otherwise. Neither is part of the message.
 */
public final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final int line;
    private final List<String> field;

    PolicyException(String reason, String message) {
        this(reason, message, 0, List.of());
    }

    private PolicyException(String reason, String message, int line, List<String> field) {
        super(message, null, false, false);
        this.reason = reason;
        this.line = line;
        this.field = field;
    }

    public String reason() {
        return reason;
    }

    /** The 1-based line of the problem in the file, when the YAML reader reported one. */
    public OptionalInt line() {
        return line > 0 ? OptionalInt.of(line) : OptionalInt.empty();
    }

    /**
     * The key path of the problem as written in the file, a list index as a number: {@code [subject_pattern]},
     * {@code [claim_pattern, email]}, {@code [issuers, 2]}; empty when unknown.
     */
    public List<String> field() {
        return field;
    }

    /** The same failure with Go's wrapping prefix in front of the message. */
    PolicyException withPrefix(String prefix) {
        return new PolicyException(reason, prefix + getMessage(), line, field);
    }

    /** The same failure located at a line of the file. */
    PolicyException atLine(int line) {
        return new PolicyException(reason, getMessage(), line, field);
    }

    /** The same failure located at a key path, unless it already has a more precise one. */
    PolicyException atField(String... path) {
        return !field.isEmpty() ? this : new PolicyException(reason, getMessage(), line, List.of(path));
    }
}
