package dev.octosts.exchange;

import dev.octosts.oidc.OidcFailure;
import dev.octosts.oidc.OidcResult;
import dev.octosts.policy.CheckResult;
import dev.octosts.policy.CheckResult.Verdict;
import dev.octosts.gocompat.GoText;

import java.util.Locale;

import static dev.octosts.exchange.GrpcCode.ALREADY_EXISTS;
import static dev.octosts.exchange.GrpcCode.DEADLINE_EXCEEDED;
import static dev.octosts.exchange.GrpcCode.FAILED_PRECONDITION;
import static dev.octosts.exchange.GrpcCode.INTERNAL;
import static dev.octosts.exchange.GrpcCode.INVALID_ARGUMENT;
import static dev.octosts.exchange.GrpcCode.NOT_FOUND;
import static dev.octosts.exchange.GrpcCode.OK;
import static dev.octosts.exchange.GrpcCode.PERMISSION_DENIED;
import static dev.octosts.exchange.GrpcCode.RESOURCE_EXHAUSTED;
import static dev.octosts.exchange.GrpcCode.UNAUTHENTICATED;
import static dev.octosts.exchange.GrpcCode.UNAVAILABLE;
import static dev.octosts.exchange.GrpcCode.UNIMPLEMENTED;

/**
 * Every way an exchange or an audit read ends: the stable reason code that the ledger record, the
 * {@code octosts_reason} metric label and the span's {@code octosts.reason} carry, the gRPC code the
 * caller gets, and the message the caller reads (Octo STS's wording, byte for byte).
 *
 * <p>A message is a template: {@code %q} stands for Go's quoting of the input ({@code fmt}'s {@code %q},
 * as Octo STS formats it), {@code %s} for the input as it is. Several constants share a code where Octo
 * STS words the same cause differently per step (a GitHub outage while finding the installation, reading
 * the policy or minting), or where two layers use the same code for different answers ({@code
 * issuer_mismatch} of the OIDC verifier and of the trust policy).
 *
 * <p>A code is the constant's name in lower case unless the constant names another (a shared one, or Octo
 * STS's): renaming a constant renames its code, which {@code ReasonTest} would show.
 */
public enum Reason {
    ISSUED(OK, ""),
    AUDIT_READ(OK, ""),

    // Before any step: the request itself and the caller's budgets.
    MALFORMED_REQUEST(INVALID_ARGUMENT, "%s"),
    RATE_LIMITED(RESOURCE_EXHAUSTED, "rate limit exceeded for this %s"),
    REFRESH_TOKEN_UNIMPLEMENTED("unimplemented", UNIMPLEMENTED, "method ExchangeRefreshToken not implemented"),
    TOO_MANY_SCOPES(INVALID_ARGUMENT, "at most 100 repositories per request"),
    SCOPES_OWNERS_DIFFER(INVALID_ARGUMENT, "scopes must name repositories of one owner"),
    SCOPES_NOT_REPOSITORIES(INVALID_ARGUMENT,
            "several scopes must each name a repository (owner/repo), not an organization"),
    REPOSITORIES_NEED_ORG_SCOPE(INVALID_ARGUMENT, "repositories narrows an organization scope only"),
    SCOPE_MISSING(INVALID_ARGUMENT, "scope must be provided"),
    IDENTITY_MISSING(INVALID_ARGUMENT, "identity must be provided"),

    // The bearer token: OidcVerifier's reason codes, answered with its failure's gRPC code and message.
    MISSING_AUTHORIZATION(UNAUTHENTICATED, "missing or multiple authorization headers"),
    TOKEN_TOO_LARGE(OidcResult.Rejected.TOKEN_TOO_LARGE, OidcFailure.MALFORMED_TOKEN),
    MALFORMED_TOKEN(OidcResult.Rejected.MALFORMED_TOKEN, OidcFailure.MALFORMED_TOKEN),
    UNSIGNED_TOKEN(OidcResult.Rejected.UNSIGNED_TOKEN, OidcFailure.MALFORMED_TOKEN),
    INVALID_ISSUER(OidcResult.Rejected.INVALID_ISSUER, OidcFailure.INVALID_ISSUER),
    DISCOVERY_FAILED(OidcResult.Rejected.DISCOVERY_FAILED, OidcFailure.PROVIDER_UNAVAILABLE),
    ISSUER_NOT_ALLOWED(OidcResult.Rejected.ISSUER_NOT_ALLOWED, OidcFailure.VERIFICATION_FAILED),
    UNSUPPORTED_ALGORITHM(OidcResult.Rejected.UNSUPPORTED_ALGORITHM, OidcFailure.VERIFICATION_FAILED),
    JWKS_FETCH_FAILED(OidcResult.Rejected.JWKS_FETCH_FAILED, OidcFailure.VERIFICATION_FAILED),
    NO_USABLE_KEYS(OidcResult.Rejected.NO_USABLE_KEYS, OidcFailure.VERIFICATION_FAILED),
    KID_REQUIRED(OidcResult.Rejected.KID_REQUIRED, OidcFailure.VERIFICATION_FAILED),
    UNKNOWN_KEY(OidcResult.Rejected.UNKNOWN_KEY, OidcFailure.VERIFICATION_FAILED),
    BAD_SIGNATURE(OidcResult.Rejected.BAD_SIGNATURE, OidcFailure.VERIFICATION_FAILED),
    TOKEN_ISSUER_MISMATCH(OidcResult.Rejected.ISSUER_MISMATCH, OidcFailure.VERIFICATION_FAILED),
    INVALID_CLAIMS(OidcResult.Rejected.INVALID_CLAIMS, OidcFailure.VERIFICATION_FAILED),
    MISSING_EXP(OidcResult.Rejected.MISSING_EXP, OidcFailure.VERIFICATION_FAILED),
    TOKEN_EXPIRED(OidcResult.Rejected.TOKEN_EXPIRED, OidcFailure.VERIFICATION_FAILED),
    NBF_IN_FUTURE(OidcResult.Rejected.NBF_IN_FUTURE, OidcFailure.VERIFICATION_FAILED),
    VERIFIER_INTERNAL_ERROR(OidcResult.Rejected.INTERNAL_ERROR, OidcFailure.VERIFICATION_FAILED),
    VERIFIER_OUTBOUND_LIMIT(OidcResult.Rejected.OUTBOUND_LIMIT, OidcFailure.OVERLOADED),

    // Where the token may lead: the App, the installation, the org allowlist and settings, the policy file.
    NO_APP_FOR_OWNER(NOT_FOUND, "no GitHub App configured for org %q"),
    NOT_INSTALLED(NOT_FOUND, "no installation found for %q"),
    INSTALLATION_LOOKUP_FAILED("github_unavailable", INTERNAL, "unable to find installation"),
    ISSUER_NOT_PERMITTED(PERMISSION_DENIED, "issuer not permitted by organization policy"),
    ISSUER_ALLOWLIST_INVALID(FAILED_PRECONDITION, "organization trusted-issuer configuration is invalid"),
    ISSUER_ALLOWLIST_RATE_LIMITED(RESOURCE_EXHAUSTED, "organization trusted-issuer lookup rate limited"),
    ISSUER_ALLOWLIST_UNAVAILABLE(UNAVAILABLE, "organization trusted-issuer lookup unavailable"),
    ISSUER_ALLOWLIST_TIMEOUT(DEADLINE_EXCEEDED, "organization trusted-issuer lookup timed out"),
    /** The org's settings say only org policies count, and the scope names a repository. */
    REPOSITORY_POLICIES_DISABLED(PERMISSION_DENIED,
            "organization %q has disabled repository policies: only its org policies apply"),
    ORG_SETTINGS_INVALID(FAILED_PRECONDITION, "organization settings are invalid"),
    ORG_SETTINGS_RATE_LIMITED(RESOURCE_EXHAUSTED, "organization settings lookup rate limited"),
    ORG_SETTINGS_UNAVAILABLE(UNAVAILABLE, "organization settings lookup unavailable"),
    ORG_SETTINGS_TIMEOUT(DEADLINE_EXCEEDED, "organization settings lookup timed out"),
    POLICY_NOT_FOUND(NOT_FOUND, "unable to find trust policy for %q"),
    POLICY_READ_RATE_LIMITED("github_rate_limited", RESOURCE_EXHAUSTED, "GitHub API rate limit exceeded for %q"),
    /** GitHub refused a read token for a repository the installation cannot see (anyone can name one). */
    REPOSITORY_NOT_ACCESSIBLE(INTERNAL, "unable to read trust policy for %q"),
    POLICY_READ_FAILED("github_unavailable", INTERNAL, "unable to read trust policy for %q"),
    POLICY_PARSE_ERROR(NOT_FOUND, "unable to parse trust policy found for %q"),
    POLICY_COMPILE_ERROR(NOT_FOUND, "unable to compile trust policy found for %q"),

    // The token against the trust policy: CompiledTrustPolicy's reason codes and verdicts, with its message.
    INVALID_TOKEN_ISSUER(Verdict.INVALID_TOKEN),
    INVALID_TOKEN_SUBJECT(Verdict.INVALID_TOKEN),
    INVALID_TOKEN_AUDIENCE(Verdict.INVALID_TOKEN),
    ISSUER_MISMATCH(Verdict.DENIED),
    SUBJECT_MISMATCH(Verdict.DENIED),
    AUDIENCE_MISMATCH(Verdict.DENIED),
    CLAIM_MISSING(Verdict.DENIED),
    CLAIM_NOT_STRING(Verdict.DENIED),
    CLAIM_MISMATCH(Verdict.DENIED),

    // Replay protection (EXCHANGE_REPLAY_PROTECTION): the token was already exchanged for this scope and identity.
    TOKEN_REPLAYED(ALREADY_EXISTS, "token already exchanged for this scope and identity"),
    REPLAY_MEMORY_UNAVAILABLE(UNAVAILABLE, "unable to check the token for replay"),

    // The grant: several repositories' policies together, and what the caller narrowed it to.
    NO_COMMON_PERMISSIONS(PERMISSION_DENIED, "the trust policies of these repositories grant no permission in common"),
    PERMISSION_NOT_GRANTED(PERMISSION_DENIED, "requested permission %s is more than the trust policy grants"),
    REPOSITORY_NOT_GRANTED(PERMISSION_DENIED, "requested repository %q is not one the trust policy grants"),

    // The mint, and GitHub's answers to any step's call.
    GITHUB_REFUSED_PERMISSIONS(PERMISSION_DENIED, "token exchange failure (StatusUnprocessableEntity)"),
    MINT_FAILED("github_unavailable", INTERNAL, "failed to get token"),
    GITHUB_RATE_LIMITED(RESOURCE_EXHAUSTED, "GitHub API rate limit exceeded"),
    /** Too many outbound calls in flight in this process: the caller is told to come back. */
    OUTBOUND_LIMIT(UNAVAILABLE, "too many requests in flight, try again"),

    // How the service itself failed.
    EXCHANGE_DEADLINE("deadline_exceeded", DEADLINE_EXCEEDED, "the exchange took too long"),
    INTERNAL_ERROR(INTERNAL, "internal error"),
    LEDGER_UNAVAILABLE(UNAVAILABLE, "unable to record the exchange"),

    // Audit reads.
    AUDIT_READERS_NOT_CONFIGURED(PERMISSION_DENIED, "no audit readers are configured"),
    EXCHANGE_AUDIENCE(PERMISSION_DENIED,
            "the token's audience includes %s, the exchange's: audit readers need a token minted for the ledger"),
    AUDIT_LEDGER_UNAVAILABLE("ledger_unavailable", UNAVAILABLE, "unable to record the audit read"),

    // Revocation (DELETE /sts/token): the three answers recorded with the decision revoke, then its failures.
    REVOKED(OK, ""),
    NOT_ISSUED(NOT_FOUND, "token not issued by this service"),
    ALREADY_ENDED(OK, ""),
    GRANT_LOOKUP_FAILED("ledger_unavailable", UNAVAILABLE, "unable to read the ledger"),
    REVOKE_FAILED("github_unavailable", UNAVAILABLE, "unable to revoke the token");

    private final String code;
    private final GrpcCode grpcCode;
    private final String message;
    /** The verifier's failure this reason answers for; null for every reason not the verifier's. */
    private final OidcFailure oidcFailure;
    /** The policy check's verdict this reason answers for; null for every reason not the check's. */
    private final Verdict verdict;

    /** A reason whose code is its name in lower case. */
    Reason(GrpcCode grpcCode, String message) {
        this(null, grpcCode, message, null, null);
    }

    /** A reason whose code is not its name: Octo STS's, or one code for the same cause in several steps. */
    Reason(String code, GrpcCode grpcCode, String message) {
        this(code, grpcCode, message, null, null);
    }

    /** A reason of the OIDC verifier: its failure's gRPC code and public message. */
    Reason(String code, OidcFailure failure) {
        this(code, switch (failure) {
            case VERIFICATION_FAILED -> UNAUTHENTICATED;
            case OVERLOADED -> UNAVAILABLE;
            case MALFORMED_TOKEN, INVALID_ISSUER, PROVIDER_UNAVAILABLE -> INVALID_ARGUMENT;
        }, failure.publicMessage(), failure, null);
    }

    /**
     * A reason of the policy check, its code its name in lower case: the message is the check's own (Octo STS's,
     * made where the check is made).
     */
    Reason(Verdict verdict) {
        this(null, switch (verdict) {
            case INVALID_TOKEN -> INVALID_ARGUMENT;
            case DENIED -> PERMISSION_DENIED;
            case ALLOW -> throw new IllegalArgumentException("an allowed token has no refusal reason");
        }, "%s", null, verdict);
    }

    /** @param code null for the constant's name in lower case */
    Reason(String code, GrpcCode grpcCode, String message, OidcFailure oidcFailure, Verdict verdict) {
        this.code = code != null ? code : name().toLowerCase(Locale.ROOT);
        this.grpcCode = grpcCode;
        this.message = message;
        this.oidcFailure = oidcFailure;
        this.verdict = verdict;
    }

    /**
     * Whether the caller brings this refusal on itself (its token, claims, scope, identity or request), not
     * the service, GitHub or an outage: what an address that keeps getting it is slowed for.
     */
    public boolean callersDoing() {
        if (this == DISCOVERY_FAILED || this == JWKS_FETCH_FAILED || this == NO_USABLE_KEYS) {
            return false; // the issuer's outage, whoever's token it is
        }
        return switch (grpcCode) {
            case INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND -> true;
            default -> this == REPOSITORY_NOT_ACCESSIBLE;
        };
    }

    /** The stable snake_case code the ledger, the metrics and the spans carry. */
    public String code() {
        return code;
    }

    public GrpcCode grpcCode() {
        return grpcCode;
    }

    /** The refusal with this reason's fixed message. */
    Refusal refusal() {
        if (takesInput()) {
            throw new IllegalStateException(name() + "'s message needs its input");
        }
        return new Refusal(this, message);
    }

    /** The refusal with this reason's message made from {@code input} (quoted where the template says {@code %q}). */
    Refusal refusal(String input) {
        return new Refusal(this, format(input));
    }

    /** The message for {@code input}; the template's one {@code %q} or {@code %s} is replaced, nothing else. */
    String format(String input) {
        if (message.contains("%q")) {
            return message.replace("%q", GoText.quote(input));
        }
        if (message.contains("%s")) {
            return message.replace("%s", input);
        }
        throw new IllegalStateException(name() + "'s message takes no input");
    }

    /** True when the message is made from an input (see {@link #refusal(String)}). */
    boolean takesInput() {
        return message.contains("%q") || message.contains("%s");
    }

    /** The reason for the OIDC verifier's rejection: the one with its code and its failure. */
    static Reason of(OidcResult.Rejected rejected) {
        for (Reason reason : values()) {
            if (reason.oidcFailure == rejected.failure() && reason.code.equals(rejected.reason())) {
                return reason;
            }
        }
        throw new IllegalStateException("no reason for the verifier's " + rejected.failure() + " " + rejected.reason());
    }

    /**
     * Passed when the policy check allowed the token; otherwise refused with the reason of its code and
     * verdict, and the policy's message (Octo STS's, made where the check is made).
     */
    static Outcome<Void> checked(CheckResult check) {
        if (check.allowed()) {
            return Outcome.passed();
        }
        for (Reason reason : values()) {
            if (reason.verdict == check.verdict() && reason.code.equals(check.reason())) {
                return Outcome.refused(reason.refusal(check.message()));
            }
        }
        throw new IllegalStateException("no reason for the policy check's " + check.reason());
    }
}
