package dev.octosts.exchange;

import dev.octosts.digest.Sha256;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.RevokeResult;
import dev.octosts.guard.RateLimits;
import dev.octosts.telemetry.Telemetry;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static dev.octosts.exchange.ExchangeTracing.Step.GITHUB_REVOKE;
import static dev.octosts.exchange.ExchangeTracing.Step.LEDGER_LOOKUP;

/**
 * Revocation through the service ({@code DELETE /sts/token}): a workflow hands back the GitHub token it
 * got, and the ledger learns that it ended. A token whose grant the ledger holds and that still lives is
 * revoked at GitHub; a token the service never issued is refused without any GitHub call, so the endpoint
 * cannot be used to revoke (or probe) tokens of other services; one already revoked or expired is answered
 * as done, also without a GitHub call. Every request within the caller's budget is a ledger record with
 * the token's SHA-256 (never the token), so the grant and its revocation are found together.
 */
public final class TokenRevocation {
    /**
     * The longest token accepted. GitHub's installation tokens are 40 characters; anything longer than this
     * is not one, and refused before it is hashed or looked up.
     */
    static final int MAX_TOKEN_CHARS = 256;
    /** RFC 6750's b64token: every GitHub token format, and nothing that needs escaping. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");
    private static final String BEARER = "bearer ";

    private final RateLimits limits;
    private final IssuedGrants grants;
    private final GitHubClient github;
    private final Clock clock;
    private final ExchangeTracing tracing;
    private final ExchangeCompletion completion;

    /** @param limits the exchange's budgets: a revocation spends its caller's address budget like an exchange */
    public TokenRevocation(RateLimits limits, IssuedGrants grants, GitHubClient github, ExchangeRecorder recorder,
                           Clock clock, Telemetry telemetry) {
        this.limits = limits;
        this.grants = grants;
        this.github = github;
        this.clock = clock;
        this.tracing = new ExchangeTracing(telemetry);
        this.completion = new ExchangeCompletion(recorder, github, telemetry);
    }

    /**
     * Revokes the request's token when it is a live grant of this service; the record says what was found
     * ({@link Reason#REVOKED}, {@link Reason#NOT_ISSUED}, {@link Reason#ALREADY_ENDED}) or why nothing
     * could be done. Never returns a token.
     */
    public ExchangeResult revoke(RevocationRequest request) {
        try (ExchangeTracing.Traced traced = tracing.start("octosts.revoke")) {
            RecordBuilder record = new RecordBuilder(request, clock.instant());
            traced.correlate(record);
            Outcome<Reason> decided;
            try {
                decided = decide(request, record, traced);
            } catch (RuntimeException e) {
                decided = Outcome.refused(completion.internalError(record, "revocation", e, null));
            }
            switch (decided) {
                case Outcome.Value<Reason>(Reason ended) -> record.completed(ended);
                case Outcome.Refused<Reason>(Refusal refusal) -> {
                    record.refuse(refusal);
                    if (refusal.reason() == Reason.RATE_LIMITED) {
                        return completion.rateLimited(record, limits.recordRefusal(), traced);
                    }
                }
            }
            return completion.finish(record, null, traced);
        }
    }

    private Outcome<Reason> decide(RevocationRequest request, RecordBuilder record, ExchangeTracing.Traced traced) {
        return Outcome.steps(() -> {
            RateLimits.Limit limit = limits.admit(request.remoteAddress(), () -> null);
            if (limit != null) {
                throw Outcome.stop(Reason.RATE_LIMITED.refusal(limit.label()));
            }
            String token = bearerToken(request.authorization()).orStop();
            String tokenSha256 = Sha256.hex(token);
            Optional<IssuedGrants.Grant> grant = traced.step(LEDGER_LOOKUP, () -> lookUp(tokenSha256, record)).orStop();
            record.revocation(tokenSha256, grant.orElse(null));
            if (grant.isEmpty()) {
                throw Outcome.stop(Reason.NOT_ISSUED.refusal());
            }
            if (grant.get().revoked()) {
                record.detail("revoked before through the service");
                return Reason.ALREADY_ENDED;
            }
            if (!clock.instant().isBefore(grant.get().expiresAt())) {
                record.detail("expired at " + grant.get().expiresAt());
                return Reason.ALREADY_ENDED;
            }
            return traced.step(GITHUB_REVOKE, () -> revokeAtGitHub(token, record)).orStop();
        });
    }

    /** The one {@code Authorization: Bearer <token>} header, its token bounded in length and characters. */
    static Outcome<String> bearerToken(List<String> authorization) {
        if (authorization.size() != 1) {
            return Outcome.refused(Reason.MISSING_AUTHORIZATION.refusal());
        }
        String header = authorization.getFirst();
        if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Outcome.refused(Reason.MALFORMED_REQUEST.refusal("authorization must be Bearer and the token to revoke"));
        }
        String token = header.substring(BEARER.length());
        if (token.length() > MAX_TOKEN_CHARS || !TOKEN.matcher(token).matches()) {
            return Outcome.refused(Reason.MALFORMED_REQUEST.refusal("the token to revoke is not a GitHub token"));
        }
        return Outcome.of(token);
    }

    private Outcome<Optional<IssuedGrants.Grant>> lookUp(String tokenSha256, RecordBuilder record) {
        try {
            return Outcome.of(grants.find(tokenSha256));
        } catch (IssuedGrants.LookupException e) {
            record.detail("grant lookup: " + e.getMessage());
            return Outcome.refused(Reason.GRANT_LOOKUP_FAILED.refusal());
        }
    }

    private Outcome<Reason> revokeAtGitHub(String token, RecordBuilder record) {
        return switch (github.revokeToken(token)) {
            case RevokeResult.Revoked revoked -> Outcome.of(Reason.REVOKED);
            case RevokeResult.NotAccepted notAccepted -> {
                // Revoked straight at GitHub (the action's own post step) or by an earlier call racing this one.
                record.detail("GitHub no longer accepts the token");
                yield Outcome.of(Reason.ALREADY_ENDED);
            }
            case RevokeResult.Failed failed -> {
                record.detail("token revoke: " + failed.error());
                yield Outcome.refused(GitHubRefusals.failed(failed.error(), Reason.REVOKE_FAILED.refusal()));
            }
        };
    }
}
