package dev.octosts.policy;

import java.util.Objects;

/**
 * The outcome of checking a token against a compiled trust policy.
 *
 * @param reason  stable snake_case code: {@code allowed}, {@code invalid_token_issuer},
 *                {@code invalid_token_subject}, {@code invalid_token_audience}, {@code issuer_mismatch},
 *                {@code subject_mismatch}, {@code audience_mismatch}, {@code claim_missing},
 *                {@code claim_not_string}, {@code claim_mismatch}
 * @param message Octo STS's text ({@code trust policy: …}); empty when allowed
 */
public record CheckResult(Verdict verdict, String reason, String message) {

    public enum Verdict {
        ALLOW,
        /** The token carries an invalid iss, sub or aud: gRPC InvalidArgument. */
        INVALID_TOKEN,
        /** The token does not satisfy the policy: gRPC PermissionDenied. */
        DENIED
    }

    private static final CheckResult ALLOWED = new CheckResult(Verdict.ALLOW, "allowed", "");

    public CheckResult {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }

    public static CheckResult allow() {
        return ALLOWED;
    }

    public boolean allowed() {
        return verdict == Verdict.ALLOW;
    }

    static CheckResult invalidToken(String reason, String message) {
        return new CheckResult(Verdict.INVALID_TOKEN, reason, message);
    }

    static CheckResult denied(String reason, String message) {
        return new CheckResult(Verdict.DENIED, reason, message);
    }
}
