package dev.octosts.exchange;

import dev.octosts.guard.ExchangeDeadline;
import dev.octosts.guard.RateLimits;
import dev.octosts.github.AppPool;
import dev.octosts.github.AppRouter;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.MintResult;
import dev.octosts.github.PolicyFiles;
import dev.octosts.github.PolicyRead;
import dev.octosts.oidc.OidcVerifier;
import dev.octosts.oidc.VerifiedToken;
import dev.octosts.policy.CheckResult;
import dev.octosts.policy.CompiledTrustPolicy;
import dev.octosts.gocompat.GoText;
import dev.octosts.policy.IssuerAllowlistDecision;
import dev.octosts.telemetry.Telemetry;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.octosts.exchange.GrpcCode.INVALID_ARGUMENT;
import static dev.octosts.exchange.GrpcCode.NOT_FOUND;
import static dev.octosts.exchange.GrpcCode.PERMISSION_DENIED;
import static dev.octosts.exchange.GrpcCode.RESOURCE_EXHAUSTED;
import static dev.octosts.exchange.ExchangeTracing.GITHUB_INSTALLATION;
import static dev.octosts.exchange.ExchangeTracing.GITHUB_MINT;
import static dev.octosts.exchange.ExchangeTracing.OIDC_VERIFY;
import static dev.octosts.exchange.ExchangeTracing.POLICY_ALLOWLIST;
import static dev.octosts.exchange.ExchangeTracing.POLICY_CHECK;
import static dev.octosts.exchange.ExchangeTracing.POLICY_READ;

/**
 * The token exchange, top to bottom: verify the caller's OIDC token, find the GitHub App installation
 * for the owner, apply the org issuer allowlist, read and check the trust policy, mint the token, and
 * make the decision durable before the token is handed out. Every step either adds facts to the
 * record or ends the exchange with a {@link Refusal}; the order of the steps is Octo STS's.
 */
public final class ExchangeService {
    /**
     * How long an exchange waits for another exchange's read of the same org allowlist before it gives
     * up with DeadlineExceeded (requests carry no deadline of their own): one GitHub call's timeout.
     */
    static final Duration ALLOWLIST_WAIT = Duration.ofSeconds(10);
    static final String RATE_LIMITED = "rate_limited";
    /**
     * Refusals for a scope that leads nowhere: each may have cost GitHub calls (an installation lookup, a
     * read token) that anyone with a valid token could otherwise make the service spend without end.
     */
    static final Set<String> SCOPE_MISSES = Set.of("no_app_for_owner", "not_installed", "policy_not_found",
            "repository_not_accessible");
    /** How long an exchange may take from its first step to its decision, all outbound calls included. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(20);

    private final RateLimits limits;
    private final ExchangeDeadline deadline;
    private final BearerAuthentication authentication;
    private final AppRouter apps;
    private final GitHubClient github;
    private final PolicyFiles policyFiles;
    private final OrgIssuerAllowlists allowlists;
    private final TrustPolicies trustPolicies;
    private final String domain;
    private final String orgPolicyRepo;
    private final Clock clock;
    private final ExchangeTracing tracing;
    private final Installations installations;
    private final ExchangeCompletion completion;

    public ExchangeService(OidcVerifier oidc, AppRouter apps, GitHubClient github, PolicyFiles policyFiles,
                           ExchangeRecorder recorder, String domain, String orgPolicyRepo, Clock clock,
                           Telemetry telemetry) {
        this(new RateLimits(RateLimits.Settings.off()), new ExchangeDeadline(DEFAULT_DEADLINE), oidc, apps, github,
                policyFiles, recorder, domain, orgPolicyRepo, clock, telemetry);
    }

    public ExchangeService(RateLimits limits, ExchangeDeadline deadline, OidcVerifier oidc, AppRouter apps,
                           GitHubClient github, PolicyFiles policyFiles, ExchangeRecorder recorder, String domain,
                           String orgPolicyRepo, Clock clock, Telemetry telemetry) {
        this.limits = limits;
        this.deadline = deadline;
        this.tracing = new ExchangeTracing(telemetry);
        this.authentication = new BearerAuthentication(oidc);
        this.apps = apps;
        this.github = github;
        this.policyFiles = policyFiles;
        this.allowlists = new OrgIssuerAllowlists(github, orgPolicyRepo, clock, ALLOWLIST_WAIT);
        this.trustPolicies = new TrustPolicies();
        this.installations = new Installations(github);
        this.completion = new ExchangeCompletion(recorder, github, telemetry);
        this.domain = domain;
        this.orgPolicyRepo = orgPolicyRepo;
        this.clock = clock;
    }

    public ExchangeResult exchange(ExchangeRequest request) {
        try (ExchangeTracing.Traced traced = tracing.start("octosts.exchange")) {
            RecordBuilder record = new RecordBuilder(request, clock.instant());
            traced.correlate(record);
            // The caller's budgets first, on the request's own thread: a flood over budget costs no more.
            Refusal refusal = admit(request);
            try {
                if (refusal == null) {
                    Optional<Decided> decided = deadline.run(() -> new Decided(decide(request, record, traced)));
                    refusal = decided.isPresent() ? decided.get().refusal()
                            : completion.deadlineExceeded(record, deadline.budget());
                }
            } catch (RuntimeException e) {
                refusal = completion.internalError(record, "exchange", e);
            }
            return refusal != null ? refused(record, refusal, traced) : completion.finish(record, record.token(), traced);
        }
    }

    /**
     * A request the HTTP layer could not even parse: refused and recorded like any other, within the
     * caller's budget, so that every request to the exchange leaves a trace.
     */
    public ExchangeResult refuseMalformed(ExchangeRequest request, String message) {
        try (ExchangeTracing.Traced traced = tracing.start("octosts.exchange")) {
            RecordBuilder record = new RecordBuilder(request, clock.instant());
            traced.correlate(record);
            Refusal limited = admit(request);
            return refused(record, limited != null ? limited : new Refusal(INVALID_ARGUMENT, "malformed_request", message),
                    traced);
        }
    }

    /** Ends a refused exchange; a rate-limited refusal is recorded only within its own budget. */
    private ExchangeResult refused(RecordBuilder record, Refusal refusal, ExchangeTracing.Traced traced) {
        record.refuse(refusal);
        if (refusal.reason().equals(RATE_LIMITED) && !limits.recordRefusal()) {
            return completion.unrecorded(record, traced);
        }
        return completion.finish(record, null, traced);
    }

    /** The caller's budgets (address, claimed issuer): a refusal when one of them is spent. */
    private Refusal admit(ExchangeRequest request) {
        RateLimits.Limit limit = limits.admit(request.remoteAddress(),
                () -> BearerAuthentication.claimedIssuer(request.authorization()));
        return limit == null ? null : rateLimited(limit);
    }

    private static Refusal rateLimited(RateLimits.Limit limit) {
        return new Refusal(RESOURCE_EXHAUSTED, RATE_LIMITED, "rate limit exceeded for this " + limit.label());
    }

    /** What the steps decided: a refusal, or null when a token was minted (it is then in the record). */
    private record Decided(Refusal refusal) {
    }

    /** Octo STS's {@code ExchangeRefreshToken}: not supported. */
    public ExchangeResult exchangeRefreshToken(ExchangeRequest request) {
        try (ExchangeTracing.Traced traced = tracing.start("octosts.exchange_refresh_token")) {
            RecordBuilder record = new RecordBuilder(request, clock.instant());
            traced.correlate(record);
            return refused(record, new Refusal(GrpcCode.UNIMPLEMENTED, "unimplemented",
                    "method ExchangeRefreshToken not implemented"), traced);
        }
    }

    /** Runs the steps in order, each in its span; returns null when a token was minted (it is then in the record). */
    private Refusal decide(ExchangeRequest request, RecordBuilder record, ExchangeTracing.Traced traced) {
        if (request.scopes().size() > 1) {
            return new Refusal(INVALID_ARGUMENT, "multiple_scopes", "multiple scopes not supported");
        }
        BearerAuthentication.Result caller = traced.step(OIDC_VERIFY,
                () -> authentication.authenticate(request.authorization(), record));
        if (caller.refusal() != null) {
            return caller.refusal();
        }
        VerifiedToken token = caller.token();
        RateLimits.Limit callerLimit = limits.admitVerified(token.issuer(), token.subject());
        if (callerLimit != null) {
            return rateLimited(callerLimit);
        }
        Refusal refusal = decideFor(token, request, record, traced);
        if (refusal != null && SCOPE_MISSES.contains(refusal.reason())) {
            limits.missed(token.issuer(), token.subject());
        }
        return refusal;
    }

    /** The steps after the caller is known: where its token may lead, and whether it does. */
    private Refusal decideFor(VerifiedToken token, ExchangeRequest request, RecordBuilder record,
                              ExchangeTracing.Traced traced) {
        String scope = request.effectiveScope();
        if (scope.isEmpty()) {
            return new Refusal(INVALID_ARGUMENT, "scope_missing", "scope must be provided");
        }
        String identity = request.identity();
        if (identity.isEmpty()) {
            return new Refusal(INVALID_ARGUMENT, "identity_missing", "identity must be provided");
        }
        Target target = Target.parse(scope, orgPolicyRepo);

        AppPool pool = apps.poolFor(target.owner()).orElse(null);
        if (pool == null) {
            return new Refusal(NOT_FOUND, "no_app_for_owner",
                    "no GitHub App configured for org " + GoText.quote(target.owner()));
        }
        if (!TrustPolicies.isPlainIdentity(identity) || policyFiles.knownMissing(target.owner(), target.repo(), identity)) {
            return policyNotFound(identity);
        }

        Step<Installations.Installation> lookup = traced.step(GITHUB_INSTALLATION,
                () -> installations.find(pool, target.owner(), record));
        if (lookup.refusal() != null) {
            return lookup.refusal();
        }
        Installations.Installation installation = lookup.value();

        Refusal allowlistRefusal = traced.step(POLICY_ALLOWLIST,
                () -> applyAllowlist(pool, target.owner(), token.issuer(), record));
        if (allowlistRefusal != null) {
            return allowlistRefusal;
        }

        Step<CompiledTrustPolicy> policy = traced.step(POLICY_READ, () -> readPolicy(pool, target, identity, record));
        if (policy.refusal() != null) {
            return policy.refusal();
        }

        Refusal mismatch = traced.step(POLICY_CHECK, () -> checkToken(policy.value(), token, record));
        if (mismatch != null) {
            return mismatch;
        }
        limits.earned(token.issuer());

        return traced.step(GITHUB_MINT, () -> mint(pool, installation, target, policy.value(), scope + ":" + identity
                + ":" + token.subject(), record));
    }

    /** The trust policy of the target, read from GitHub (or its cache) and compiled (or from the compile cache). */
    private Step<CompiledTrustPolicy> readPolicy(AppPool pool, Target target, String identity, RecordBuilder record) {
        return switch (policyFiles.read(pool, target.owner(), target.repo(), identity)) {
            case PolicyRead.Found found -> compiledPolicy(target, identity, found.blobSha(),
                    trustPolicies.compile(found.yaml(), target.orgPolicy()), record);
            // Refused as the parser refuses it, without the text, which was too large to keep.
            case PolicyRead.TooLarge tooLarge -> compiledPolicy(target, identity, tooLarge.blobSha(),
                    TrustPolicies.tooLarge(tooLarge.sha256()), record);
            case PolicyRead.Missing missing -> Step.refused(policyNotFound(identity));
            case PolicyRead.RateLimited rateLimited -> Step.refused(new Refusal(RESOURCE_EXHAUSTED,
                    "github_rate_limited", "GitHub API rate limit exceeded for " + GoText.quote(identity)));
            case PolicyRead.NotInstalled notInstalled -> Step.refused(new Refusal(NOT_FOUND, "not_installed",
                    "no installation found for " + GoText.quote(target.owner())));
            case PolicyRead.Failed failed -> {
                record.detail("policy read: " + failed.error());
                // GitHub refuses a read token for a repository the installation cannot see (anyone can name
                // one): Octo STS's answer, but not the reason that tells the on-call GitHub is failing.
                String reason = failed.error().status() == 422 ? "repository_not_accessible" : "github_unavailable";
                yield Step.refused(GitHubRefusals.failed(failed.error(), reason,
                        "unable to read trust policy for " + GoText.quote(identity)));
            }
        };
    }

    private static Step<CompiledTrustPolicy> compiledPolicy(Target target, String identity, String blobSha,
                                                            TrustPolicies.Compiled compiled, RecordBuilder record) {
        record.policy(target.owner(), target.repo(), PolicyFiles.policyPath(identity), blobSha, compiled);
        if (compiled.error() != null) {
            record.detail(compiled.error().getMessage());
            return Step.refused(new Refusal(NOT_FOUND, compiled.errorReason(),
                    "unable to " + compiled.errorVerb() + " trust policy found for " + GoText.quote(identity)));
        }
        return Step.of(compiled.policy());
    }

    /** Issuer, subject, audience and claims against the policy, in that order; null when they all match. */
    private Refusal checkToken(CompiledTrustPolicy policy, VerifiedToken token, RecordBuilder record) {
        CheckResult check = policy.check(token.claims(), domain);
        record.policyClaims(policy.claimNamesChecked(), token.claims());
        return switch (check.verdict()) {
            case ALLOW -> null;
            case INVALID_TOKEN -> new Refusal(INVALID_ARGUMENT, check.reason(), check.message());
            case DENIED -> new Refusal(PERMISSION_DENIED, check.reason(), check.message());
        };
    }

    /**
     * The token GitHub mints with exactly the policy's permissions, limited to the scope's repository
     * (or to an org policy's {@code repositories}); null when it was minted (it is then in the record).
     */
    private Refusal mint(AppPool pool, Installations.Installation installation, Target target, CompiledTrustPolicy policy,
                         String routeKey, RecordBuilder record) {
        List<String> repositories = target.orgPolicy() && policy.policy().repositories() != null
                ? policy.policy().repositories()
                : target.repositories();
        Map<String, String> permissions = policy.policy().permissions();
        Installations.Installation minting = "write".equals(permissions.get("checks"))
                ? installations.sticky(pool, target.owner(), routeKey, installation)
                : installation;
        return switch (github.mintToken(minting.app(), minting.id(), repositories, permissions)) {
            case MintResult.Minted minted -> {
                record.issued(minting.app().appId(), minting.id(), minted.token());
                yield null;
            }
            case MintResult.Failed failed -> {
                record.detail("token mint: " + failed.error());
                if (failed.error().status() == 422) {
                    yield new Refusal(PERMISSION_DENIED, "github_refused_permissions",
                            "token exchange failure (StatusUnprocessableEntity)");
                }
                yield GitHubRefusals.failed(failed.error(), "github_unavailable", "failed to get token");
            }
        };
    }

    /** The org allowlist, read through every installation of the pool (not only the one picked above). */
    private Refusal applyAllowlist(AppPool pool, String owner, String issuer, RecordBuilder record) {
        return switch (allowlists.lookup(pool, owner)) {
            case OrgIssuerAllowlists.State.Absent absent -> null;
            case OrgIssuerAllowlists.State.Present present -> {
                IssuerAllowlistDecision decision = present.allowlist().decide(issuer);
                if (decision.recorded() != null) {
                    record.allowlist(new ExchangeRecord.AllowlistVerdict(decision.recorded().mode().value(),
                            decision.recorded().allowed(), decision.recorded().iss()));
                }
                yield decision.outcome() == IssuerAllowlistDecision.Outcome.DENIED
                        ? new Refusal(PERMISSION_DENIED, "issuer_not_permitted", decision.message())
                        : null;
            }
            case OrgIssuerAllowlists.State.Failure failure -> {
                record.detail(failure.detail());
                yield failure.refusal();
            }
        };
    }

    private static Refusal policyNotFound(String identity) {
        return new Refusal(NOT_FOUND, "policy_not_found", "unable to find trust policy for " + GoText.quote(identity));
    }
}
