package dev.octosts.exchange;

import dev.octosts.guard.ExchangeDeadline;
import dev.octosts.guard.RateLimits;
import dev.octosts.github.AppPool;
import dev.octosts.github.AppRouter;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.InstallationRouter;
import dev.octosts.github.InstallationRouter.Installation;
import dev.octosts.github.InstallationToken;
import dev.octosts.github.MintResult;
import dev.octosts.github.PolicyFiles;
import dev.octosts.github.PolicyRead;
import dev.octosts.oidc.OidcVerifier;
import dev.octosts.oidc.VerifiedToken;
import dev.octosts.policy.CheckResult;
import dev.octosts.policy.CompiledTrustPolicy;
import dev.octosts.policy.IssuerAllowlistDecision;
import dev.octosts.policy.TrustPolicies;
import dev.octosts.telemetry.Telemetry;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static dev.octosts.exchange.ExchangeTracing.Step.GITHUB_INSTALLATION;
import static dev.octosts.exchange.ExchangeTracing.Step.GITHUB_MINT;
import static dev.octosts.exchange.ExchangeTracing.Step.OIDC_VERIFY;
import static dev.octosts.exchange.ExchangeTracing.Step.POLICY_ALLOWLIST;
import static dev.octosts.exchange.ExchangeTracing.Step.POLICY_CHECK;
import static dev.octosts.exchange.ExchangeTracing.Step.POLICY_READ;
import static dev.octosts.exchange.ExchangeTracing.Step.REPLAY_CHECK;

/**
 * The token exchange, top to bottom: verify the caller's OIDC token, find the GitHub App installation
 * for the owner, apply the org issuer allowlist, read and check the trust policy, mint the token, and
 * make the decision durable before the token is handed out. Every step adds facts to the record and
 * gives an {@link Outcome}: its value, or the {@link Refusal} that ends the exchange; the order of the
 * steps is Octo STS's (the org settings, which Octo STS does not have, come right after the org allowlist).
 */
public final class ExchangeService {
    /**
     * How long an exchange waits for another exchange's read of the same org allowlist (or settings) before it gives
     * up with DeadlineExceeded (requests carry no deadline of their own): one GitHub call's timeout.
     */
    static final Duration ALLOWLIST_WAIT = Duration.ofSeconds(10);
    /**
     * Refusals for a scope that leads nowhere: each may have cost GitHub calls (an installation lookup, a
     * read token) that anyone with a valid token could otherwise make the service spend without end.
     */
    static final Set<Reason> SCOPE_MISSES = EnumSet.of(Reason.NO_APP_FOR_OWNER, Reason.NOT_INSTALLED,
            Reason.POLICY_NOT_FOUND, Reason.REPOSITORY_NOT_ACCESSIBLE);
    /** How long an exchange may take from its first step to its decision, all outbound calls included. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(20);

    private final RateLimits limits;
    private final CallerTurns turns;
    private final ExchangeDeadline deadline;
    private final BearerAuthentication authentication;
    private final AppRouter apps;
    private final GitHubClient github;
    private final PolicyFiles policyFiles;
    private final OrgIssuerAllowlists allowlists;
    private final OrgSettingsCheck orgSettings;
    private final TrustPolicies trustPolicies;
    private final String domain;
    private final String orgPolicyRepo;
    private final Clock clock;
    private final ExchangeTracing tracing;
    private final InstallationRouter installations;
    private final ExchangeCompletion completion;
    private final ReplayGuard replay;

    public ExchangeService(OidcVerifier oidc, AppRouter apps, GitHubClient github, PolicyFiles policyFiles,
                           ExchangeRecorder recorder, String domain, String orgPolicyRepo, Clock clock,
                           Telemetry telemetry) {
        this(new RateLimits(RateLimits.Settings.off()), new ExchangeDeadline(DEFAULT_DEADLINE), oidc, apps, github,
                policyFiles, new TrustPolicies(), recorder, domain, orgPolicyRepo, clock, telemetry);
    }

    public ExchangeService(RateLimits limits, ExchangeDeadline deadline, OidcVerifier oidc, AppRouter apps,
                           GitHubClient github, PolicyFiles policyFiles, TrustPolicies trustPolicies,
                           ExchangeRecorder recorder, String domain,
                           String orgPolicyRepo, Clock clock, Telemetry telemetry) {
        this(limits, deadline, oidc, apps, github, policyFiles, trustPolicies, recorder, null, domain, orgPolicyRepo,
                clock, telemetry);
    }

    /** @param tokenUses the memory of tokens already exchanged, for replay protection; null: off (Octo STS) */
    public ExchangeService(RateLimits limits, ExchangeDeadline deadline, OidcVerifier oidc, AppRouter apps,
                           GitHubClient github, PolicyFiles policyFiles, TrustPolicies trustPolicies,
                           ExchangeRecorder recorder, TokenUses tokenUses, String domain,
                           String orgPolicyRepo, Clock clock, Telemetry telemetry) {
        this.limits = limits;
        this.turns = new CallerTurns(limits);
        this.replay = tokenUses == null ? ReplayGuard.OFF : new ReplayGuard(tokenUses);
        this.deadline = deadline;
        this.tracing = new ExchangeTracing(telemetry);
        this.authentication = new BearerAuthentication(oidc);
        this.apps = apps;
        this.github = github;
        this.policyFiles = policyFiles;
        this.allowlists = new OrgIssuerAllowlists(github, orgPolicyRepo, clock, ALLOWLIST_WAIT);
        this.orgSettings = new OrgSettingsCheck(github, orgPolicyRepo, clock, ALLOWLIST_WAIT);
        this.trustPolicies = trustPolicies;
        this.installations = new InstallationRouter(github);
        this.completion = new ExchangeCompletion(recorder, github, telemetry);
        this.domain = domain;
        this.orgPolicyRepo = orgPolicyRepo;
        this.clock = clock;
    }

    /** The service's domain: the audience its exchanges expect, and the host its OAuth metadata names. */
    public String domain() {
        return domain;
    }

    public ExchangeResult exchange(ExchangeRequest request) {
        try (ExchangeTracing.Traced traced = tracing.start("octosts.exchange")) {
            RecordBuilder record = new RecordBuilder(request, clock.instant());
            traced.correlate(record);
            // The caller's budgets first, on the request's own thread: a flood over budget costs no more.
            BearerAuthentication.Claim claim = new BearerAuthentication.Claim(request.authorization());
            if (admit(request, claim) instanceof Outcome.Refused<Void>(Refusal limited)) {
                return refused(request, record, limited, traced);
            }
            return turns.run(claim.get(), () -> decideAndFinish(request, record, traced), () -> refused(request,
                    record, Reason.RATE_LIMITED.refusal(RateLimits.Limit.STRANGERS.label()), traced));
        }
    }

    /** Decides the exchange within its deadline and ends it: the token with its record, or the refusal recorded. */
    private ExchangeResult decideAndFinish(ExchangeRequest request, RecordBuilder record, ExchangeTracing.Traced traced) {
        // Whatever is minted, held from the moment GitHub hands it over: a step that fails or runs out of
        // time after the mint must still find it to revoke it.
        AtomicReference<InstallationToken> minted = new AtomicReference<>();
        Outcome<InstallationToken> decided;
        try {
            ExchangeDeadline.Ran<Outcome<InstallationToken>> ran =
                    deadline.run(() -> decide(request, record, traced, minted::set));
            decided = ran.inTime() ? ran.result() : Outcome.refused(
                    completion.deadlineExceeded(record, deadline.budget(), minted.get()));
        } catch (RuntimeException e) {
            decided = Outcome.refused(completion.internalError(record, "exchange", e, minted.get()));
        }
        return switch (decided) {
            case Outcome.Value<InstallationToken>(InstallationToken token) ->
                    completion.finish(record, token, traced);
            case Outcome.Refused<InstallationToken>(Refusal refusal) -> refused(request, record, refusal, traced);
        };
    }

    /**
     * A request the HTTP layer could not even parse: refused and recorded like any other, within the
     * caller's budget, so that every request to the exchange leaves a trace.
     */
    public ExchangeResult refuseMalformed(ExchangeRequest request, String message) {
        try (ExchangeTracing.Traced traced = tracing.start("octosts.exchange")) {
            RecordBuilder record = new RecordBuilder(request, clock.instant());
            traced.correlate(record);
            Refusal refusal = admit(request, new BearerAuthentication.Claim(request.authorization()))
                    instanceof Outcome.Refused<Void>(Refusal limited) ? limited : Reason.MALFORMED_REQUEST.refusal(message);
            return refused(request, record, refusal, traced);
        }
    }

    /** Ends a refused exchange (rate-limited: recorded within its own budget), held when the caller is over a budget. */
    private ExchangeResult refused(ExchangeRequest request, RecordBuilder record, Refusal refusal,
                                   ExchangeTracing.Traced traced) {
        record.refuse(refusal);
        Reason reason = refusal.reason();
        if (reason == Reason.RATE_LIMITED) {
            return completion.rateLimited(record, limits.recordRefusal(), traced);
        }
        ExchangeResult result = completion.finish(record, null, traced);
        return reason.callersDoing() && limits.refusedTooOften(request.remoteAddress()) ? result.heldIfRefusedFor(reason)
                : result;
    }

    /** The caller's budgets (address, claimed issuer). */
    private Outcome<Void> admit(ExchangeRequest request, BearerAuthentication.Claim claim) {
        return withinBudget(limits.admit(request.remoteAddress(), () -> claim.get().issuer()));
    }

    /** Refused when a budget was spent ({@code limit} names it), passed when none was (null). */
    private static Outcome<Void> withinBudget(RateLimits.Limit limit) {
        return limit == null ? Outcome.passed() : Outcome.refused(Reason.RATE_LIMITED.refusal(limit.label()));
    }

    /** Octo STS's {@code ExchangeRefreshToken}: not supported. */
    public ExchangeResult exchangeRefreshToken(ExchangeRequest request) {
        try (ExchangeTracing.Traced traced = tracing.start("octosts.exchange_refresh_token")) {
            RecordBuilder record = new RecordBuilder(request, clock.instant());
            traced.correlate(record);
            return refused(request, record, Reason.REFRESH_TOKEN_UNIMPLEMENTED.refusal(), traced);
        }
    }

    /** Runs the steps in order, each in its span: the token minted, or the refusal of the step that ended it. */
    private Outcome<InstallationToken> decide(ExchangeRequest request, RecordBuilder record,
                                              ExchangeTracing.Traced traced, Consumer<InstallationToken> minted) {
        return Outcome.steps(() -> {
            List<Target> targets = RequestedScopes.check(request, orgPolicyRepo).orStop();
            VerifiedToken token = traced.step(OIDC_VERIFY,
                    () -> authentication.authenticate(request.authorization(), record)).orStop();
            // Several repositories cost what as many requests would: a policy read and check each.
            withinBudget(limits.admitVerified(token.issuer(), token.subject(), targets.size())).orStop();
            return countingMisses(token, decideFor(token, targets, request, record, traced, minted)).orStop();
        });
    }

    /** The outcome, after charging a scope that led nowhere to the caller's budget for such misses. */
    private <T> Outcome<T> countingMisses(VerifiedToken token, Outcome<T> outcome) {
        if (outcome instanceof Outcome.Refused<T>(Refusal refusal) && SCOPE_MISSES.contains(refusal.reason())) {
            limits.missed(token.issuer(), token.subject());
        }
        return outcome;
    }

    /** The steps after the caller is known: where its token may lead, and whether it does. */
    private Outcome<InstallationToken> decideFor(VerifiedToken token, List<Target> targets, ExchangeRequest request,
                                                 RecordBuilder record, ExchangeTracing.Traced traced,
                                                 Consumer<InstallationToken> minted) {
        return Outcome.steps(() -> {
            String scope = request.effectiveScope();
            String identity = request.identity();
            Target target = target(scope, identity).orStop();
            AppPool pool = appPool(target).orStop();
            for (Target each : targets) {
                RequestedScopes.naming(targets, each, policyMayExist(each, identity)).orStop();
            }
            Installation installation = traced.step(GITHUB_INSTALLATION,
                    () -> findInstallation(pool, target.owner(), record)).orStop();
            traced.step(POLICY_ALLOWLIST, () -> applyOrgFiles(pool, target, token.issuer(), record)).orStop();
            // Every repository's own policy must allow the token; the first that does not answers.
            List<CompiledTrustPolicy> policies = new ArrayList<>();
            for (Target each : targets) {
                CompiledTrustPolicy policy = RequestedScopes.naming(targets, each, traced.step(POLICY_READ,
                        () -> readPolicy(pool, each, identity, record))).orStop();
                RequestedScopes.naming(targets, each,
                        traced.step(POLICY_CHECK, () -> checkToken(policy, token, record))).orStop();
                policies.add(policy);
            }
            limits.earned(token.issuer(), token.subject());
            TokenGrant grant = TokenGrant.decide(targets, policies, request.downScoping(), record).orStop();
            if (replay.enabled()) {
                traced.step(REPLAY_CHECK, () -> replay.firstUse(token,
                        BearerAuthentication.tokenOf(request.authorization()), RequestedScopes.useScope(targets), identity,
                        record)).orStop();
            }
            String routeKey = scope + ":" + identity + ":" + token.subject();
            return traced.step(GITHUB_MINT, () -> mint(pool, installation, target, grant, routeKey, record, minted)).orStop();
        });
    }

    /** Where the scope points, once scope and identity are both given. */
    private Outcome<Target> target(String scope, String identity) {
        if (scope.isEmpty()) {
            return Outcome.refused(Reason.SCOPE_MISSING.refusal());
        }
        if (identity.isEmpty()) {
            return Outcome.refused(Reason.IDENTITY_MISSING.refusal());
        }
        return Outcome.of(Target.parse(scope, orgPolicyRepo));
    }

    /** The pool of GitHub Apps configured for the target's owner. */
    private Outcome<AppPool> appPool(Target target) {
        return apps.poolFor(target.owner()).map(Outcome::of)
                .orElseGet(() -> Outcome.refused(Reason.NO_APP_FOR_OWNER.refusal(target.owner())));
    }

    /**
     * Refused without a GitHub call when the identity cannot name a policy file, or when the file is known
     * to be missing.
     */
    private Outcome<Void> policyMayExist(Target target, String identity) {
        return TrustPolicies.isPlainIdentity(identity)
                && !policyFiles.knownMissing(target.owner(), target.repo(), identity)
                ? Outcome.passed()
                : Outcome.refused(Reason.POLICY_NOT_FOUND.refusal(identity));
    }

    /** The App of the pool, in turn, that is installed on the owner, and its installation. */
    private Outcome<Installation> findInstallation(AppPool pool, String owner, RecordBuilder record) {
        return switch (installations.first(pool, owner, error -> record.detail("installation lookup: " + error))) {
            case InstallationRouter.Lookup.Found found -> Outcome.of(found.installation());
            case InstallationRouter.Lookup.NotInstalled notInstalled ->
                    Outcome.refused(Reason.NOT_INSTALLED.refusal(owner));
            case InstallationRouter.Lookup.Failed failed -> Outcome.refused(GitHubRefusals.failed(failed.error(),
                    Reason.INSTALLATION_LOOKUP_FAILED.refusal()));
        };
    }

    /** The trust policy of the target, read from GitHub (or its cache) and compiled (or from the compile cache). */
    private Outcome<CompiledTrustPolicy> readPolicy(AppPool pool, Target target, String identity, RecordBuilder record) {
        return switch (policyFiles.read(pool, target.owner(), target.repo(), identity)) {
            case PolicyRead.Found found -> compiledPolicy(target, identity, found.path(), found.blobSha(),
                    trustPolicies.compile(found.yaml(), target.orgPolicy()), record);
            // Refused as the parser refuses it, without the text, which was too large to keep.
            case PolicyRead.TooLarge tooLarge -> compiledPolicy(target, identity, tooLarge.path(), tooLarge.blobSha(),
                    TrustPolicies.tooLarge(tooLarge.sha256()), record);
            case PolicyRead.Missing missing -> Outcome.refused(Reason.POLICY_NOT_FOUND.refusal(identity));
            case PolicyRead.RateLimited rateLimited ->
                    Outcome.refused(Reason.POLICY_READ_RATE_LIMITED.refusal(identity));
            case PolicyRead.NotInstalled notInstalled -> Outcome.refused(Reason.NOT_INSTALLED.refusal(target.owner()));
            case PolicyRead.Failed failed -> {
                record.detail("policy read: " + failed.error());
                // GitHub refuses a read token for a repository the installation cannot see (anyone can name
                // one): Octo STS's answer, but not the reason that tells the on-call GitHub is failing.
                Reason reason = failed.error().status() == 422 ? Reason.REPOSITORY_NOT_ACCESSIBLE
                        : Reason.POLICY_READ_FAILED;
                yield Outcome.refused(GitHubRefusals.failed(failed.error(), reason.refusal(identity)));
            }
        };
    }

    private static Outcome<CompiledTrustPolicy> compiledPolicy(Target target, String identity, String path,
                                                               String blobSha, TrustPolicies.Compiled compiled,
                                                               RecordBuilder record) {
        record.policy(target.owner(), target.repo(), path, blobSha, compiled);
        if (compiled.error() != null) {
            record.detail(compiled.error().getMessage());
            Reason reason = compiled.parseFailed() ? Reason.POLICY_PARSE_ERROR : Reason.POLICY_COMPILE_ERROR;
            return Outcome.refused(reason.refusal(identity));
        }
        return Outcome.of(compiled.policy());
    }

    /** Issuer, subject, audience and claims against the policy, in that order. */
    private Outcome<Void> checkToken(CompiledTrustPolicy policy, VerifiedToken token, RecordBuilder record) {
        CheckResult check = policy.check(token.claims(), domain);
        record.policyClaims(policy.claimNamesChecked(), token.claims());
        return Reason.checked(check);
    }

    /**
     * The token GitHub mints with exactly the grant's permissions and repositories; handed to {@code minted}
     * before anything else happens.
     */
    private Outcome<InstallationToken> mint(AppPool pool, Installation installation, Target target,
                                            TokenGrant grant, String routeKey, RecordBuilder record,
                                            Consumer<InstallationToken> minted) {
        List<String> repositories = grant.repositories();
        Map<String, String> permissions = grant.permissions();
        Installation minting = "write".equals(permissions.get("checks"))
                ? installations.sticky(pool, target.owner(), routeKey, installation)
                : installation;
        return switch (github.mintToken(minting.app(), minting.id(), repositories, permissions)) {
            case MintResult.Minted mint -> {
                minted.accept(mint.token());
                record.issued(minting.app().appId(), minting.id(), mint.token());
                yield Outcome.of(mint.token());
            }
            case MintResult.Failed failed -> {
                record.detail("token mint: " + failed.error());
                yield Outcome.refused(failed.error().status() == 422 ? Reason.GITHUB_REFUSED_PERMISSIONS.refusal()
                        : GitHubRefusals.failed(failed.error(), Reason.MINT_FAILED.refusal()));
            }
        };
    }

    /**
     * The org policy repository's files, read through every installation of the pool (not only the one picked
     * above): the issuer allowlist, then the settings, which may refuse a repository scope before its policy is read.
     */
    private Outcome<Void> applyOrgFiles(AppPool pool, Target target, String issuer, RecordBuilder record) {
        return Outcome.steps(() -> {
            applyAllowlist(pool, target.owner(), issuer, record).orStop();
            return orgSettings.admit(pool, target, record).orStop();
        });
    }

    /** The org allowlist. */
    private Outcome<Void> applyAllowlist(AppPool pool, String owner, String issuer, RecordBuilder record) {
        return switch (allowlists.lookup(pool, owner)) {
            case OrgIssuerAllowlists.State.Absent absent -> Outcome.passed();
            case OrgIssuerAllowlists.State.Present present -> {
                IssuerAllowlistDecision decision = present.allowlist().decide(issuer);
                if (decision.recorded() != null) {
                    record.allowlist(new ExchangeRecord.AllowlistVerdict(decision.recorded().mode().value(),
                            decision.recorded().allowed(), decision.recorded().iss()));
                }
                yield decision.outcome() == IssuerAllowlistDecision.Outcome.DENIED
                        ? Outcome.refused(Reason.ISSUER_NOT_PERMITTED.refusal())
                        : Outcome.passed();
            }
            case OrgIssuerAllowlists.State.Failure failure -> {
                record.detail(failure.detail());
                yield Outcome.refused(failure.refusal());
            }
        };
    }
}
