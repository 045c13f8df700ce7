package dev.octosts.policy;

/**
 * What the organization issuer allowlist decides for one exchange (README rule 34). The exchange maps
 * {@link Outcome} to its gRPC code and stores {@link #recorded()} in the exchange record.
 *
 * @param message  the fixed caller-facing text; it never names the org or its issuers
 * @param recorded the decision to record, or null when there is nothing to record (no allowlist, or the
 *                 issuer is listed)
 */
public record IssuerAllowlistDecision(Outcome outcome, String message, IssuerDecision recorded) {

    public enum Outcome {
        /** The exchange goes on. */
        PASS,
        /** Issuer not listed, enforce mode: gRPC PermissionDenied. */
        DENIED,
        /** The allowlist file exists but is invalid: gRPC FailedPrecondition. */
        INVALID_CONFIGURATION,
        /** The allowlist state is unknown: gRPC Internal; never treated as "no allowlist". */
        LOOKUP_FAILED
    }

    /** Octo STS's {@code IssuerDecision}: an issuer that was not on the list. */
    public record IssuerDecision(OrgTrustedIssuers.Mode mode, boolean allowed, String iss) {
    }

    private static final IssuerAllowlistDecision PASS = new IssuerAllowlistDecision(Outcome.PASS, "", null);

    /** No allowlist file, or the issuer is listed: the exchange goes on and nothing is recorded. */
    public static IssuerAllowlistDecision pass() {
        return PASS;
    }

    public static IssuerAllowlistDecision invalid() {
        return new IssuerAllowlistDecision(Outcome.INVALID_CONFIGURATION,
                "organization trusted-issuer configuration is invalid", null);
    }

    public static IssuerAllowlistDecision unknown() {
        return new IssuerAllowlistDecision(Outcome.LOOKUP_FAILED, "organization trusted-issuer lookup unavailable", null);
    }

    static IssuerAllowlistDecision denied(String issuer) {
        return new IssuerAllowlistDecision(Outcome.DENIED, "issuer not permitted by organization policy",
                new IssuerDecision(OrgTrustedIssuers.Mode.ENFORCE, false, issuer));
    }

    static IssuerAllowlistDecision auditedMiss(String issuer) {
        return new IssuerAllowlistDecision(Outcome.PASS, "", new IssuerDecision(OrgTrustedIssuers.Mode.AUDIT, true, issuer));
    }
}
