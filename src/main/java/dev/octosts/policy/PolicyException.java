package dev.octosts.policy;

/**
 * A trust policy or organization allowlist that cannot be parsed or compiled.
 *
 * <p>{@link #reason()} is a stable snake_case code for records and metrics ({@code yaml_syntax},
 * {@code unknown_field}, {@code duplicate_key}, {@code wrong_type}, {@code invalid_policy},
 * {@code invalid_pattern}, …); {@link #getMessage()} reads like Octo STS's Go error. Messages echo at most
 * {@link GoText#MAX_ECHOED_CHARS} characters of any input.
 */
public final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String reason;

    PolicyException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }

    /** The same failure with Go's wrapping prefix in front of the message. */
    PolicyException withPrefix(String prefix) {
        return new PolicyException(reason, prefix + getMessage());
    }
}
