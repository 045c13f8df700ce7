package dev.octosts.exchange;

import dev.octosts.github.InstallationToken;
import dev.octosts.oidc.VerifiedToken;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Collects the facts of one exchange as its steps run; {@link #build()} gives the immutable record. */
final class RecordBuilder {
    /** GitHub Actions claims kept in the record whenever the token carries them. */
    private static final List<String> ACTIONS_CLAIMS = List.of("repository", "ref", "sha", "workflow_ref",
            "job_workflow_ref", "run_id", "actor", "event_name");
    private static final int MAX_VALUE_CHARS = 512;

    private final ExchangeRequest request;
    private final Instant time;
    private ExchangeRecord.Actor actor;
    private ExchangeRecord.PolicySource policy;
    private ExchangeRecord.AllowlistVerdict allowlist;
    private ExchangeRecord.Issued issued;
    private InstallationToken token;
    private Refusal refusal;
    private String detail;
    private String traceId;
    private String spanId;

    RecordBuilder(ExchangeRequest request, Instant time) {
        this.request = request;
        this.time = time;
    }

    void actor(VerifiedToken verified) {
        Map<String, String> claims = new LinkedHashMap<>();
        addClaims(claims, ACTIONS_CLAIMS, verified.claims());
        Object jti = verified.claims().get("jti");
        actor = new ExchangeRecord.Actor(verified.issuer(), verified.subject(), verified.audience(),
                jti instanceof String s ? bounded(s) : null, Map.copyOf(claims));
    }

    /** Adds the claims the policy looked at to the actor. */
    void policyClaims(Set<String> names, Map<String, Object> tokenClaims) {
        if (actor == null || names.isEmpty()) {
            return;
        }
        Map<String, String> claims = new LinkedHashMap<>(actor.claims());
        addClaims(claims, names, tokenClaims);
        actor = new ExchangeRecord.Actor(actor.issuer(), actor.subject(), actor.audience(), actor.jwtId(),
                Map.copyOf(claims));
    }

    private static void addClaims(Map<String, String> into, Iterable<String> names, Map<String, Object> from) {
        for (String name : names) {
            Object value = from.get(name);
            if (value != null) {
                into.put(name, bounded(String.valueOf(value)));
            }
        }
    }

    void policy(String owner, String repo, String path, String blobSha, TrustPolicies.Compiled compiled) {
        policy = new ExchangeRecord.PolicySource(owner, repo, path, blobSha, compiled.sha256(),
                ParsedPolicy.of(compiled.parsed()));
    }

    void allowlist(ExchangeRecord.AllowlistVerdict verdict) {
        allowlist = verdict;
    }

    void issued(long appId, long installationId, InstallationToken minted) {
        token = minted;
        issued = new ExchangeRecord.Issued(appId, installationId, minted.repositories(), minted.permissions(),
                minted.expiresAt(), TrustPolicies.sha256Hex(minted.token()));
    }

    /** The exchange's trace and span, so a ledger record leads to its trace. */
    void trace(String trace, String span) {
        traceId = trace;
        spanId = span;
    }

    InstallationToken token() {
        return token;
    }

    String requestId() {
        return request.requestId();
    }

    /** Ends a request that succeeded without issuing a token (an audit read), with its reason code. */
    void completed(String reason) {
        refusal = new Refusal(GrpcCode.OK, reason, "");
    }

    void refuse(Refusal refused) {
        refusal = refused;
        token = null;
        issued = null;
    }

    /** Operator-facing detail of a refusal (never shown to the caller, never a secret). */
    void detail(String text) {
        detail = text == null ? null : bounded(text);
    }

    ExchangeRecord build() {
        GrpcCode code = refusal == null ? GrpcCode.OK : refusal.code();
        return new ExchangeRecord(time, request.requestId(), request.remoteAddress(), bounded(request.userAgent()),
                bounded(request.effectiveScope()), bounded(request.identity()), actor, Decision.of(code), code,
                refusal == null ? "issued" : refusal.reason(), refusal == null ? "" : refusal.message(),
                detail, policy, allowlist, issued, traceId, spanId);
    }

    private static String bounded(String value) {
        if (value == null || value.length() <= MAX_VALUE_CHARS) {
            return value;
        }
        return value.substring(0, MAX_VALUE_CHARS) + "…";
    }
}
