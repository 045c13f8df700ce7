package dev.octosts.policy;

/**
 * What a readable organization issuer allowlist decides for one exchange (README rule 34). The exchange maps
 * {@link Outcome} to its gRPC code and stores {@link #recorded()} in the exchange record; an allowlist that is
 * invalid or cannot be read never gets this far (the exchange refuses with its own reasons).
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
        DENIED
    }

    /** Octo STS's {@code IssuerDecision}: an issuer that was not on the list. */
    public record IssuerDecision(OrgTrustedIssuers.Mode mode, boolean allowed, String iss) {
    }

    private static final IssuerAllowlistDecision PASS = new IssuerAllowlistDecision(Outcome.PASS, "", null);

    /** No allowlist file, or the issuer is listed: the exchange goes on and nothing is recorded. */
    public static IssuerAllowlistDecision pass() {
        return PASS;
    }

    static IssuerAllowlistDecision denied(String issuer) {
        return new IssuerAllowlistDecision(Outcome.DENIED, "issuer not permitted by organization policy",
                new IssuerDecision(OrgTrustedIssuers.Mode.ENFORCE, false, issuer));
    }

    static IssuerAllowlistDecision auditedMiss(String issuer) {
        return new IssuerAllowlistDecision(Outcome.PASS, "", new IssuerDecision(OrgTrustedIssuers.Mode.AUDIT, true, issuer));
    }
}
