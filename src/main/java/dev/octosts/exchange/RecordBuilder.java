package dev.octosts.exchange;

import dev.octosts.digest.Sha256;
import dev.octosts.github.InstallationToken;
import dev.octosts.oidc.VerifiedToken;
import dev.octosts.policy.TrustPolicies;

import java.time.Instant;
import java.util.ArrayList;
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

    private final Instant time;
    private final String requestId;
    private final String remoteAddress;
    private final String userAgent;
    private String scope;
    private String identity;
    /** The scopes asked for when there were several; otherwise null. */
    private final List<String> scopes;
    private final ExchangeRequest.DownScoping downScoping;
    private final List<ExchangeRecord.PolicyRef> policiesRead = new ArrayList<>();
    private List<String> grantedRepositories;
    private Map<String, String> grantedPermissions;
    private ExchangeRecord.Actor actor;
    private ExchangeRecord.PolicySource policy;
    private ExchangeRecord.AllowlistVerdict allowlist;
    private ExchangeRecord.Issued issued;
    private ExchangeRecord.Revocation revocation;
    /** How the request ended: {@link Reason#ISSUED} until a step refuses it or it completes otherwise. */
    private Refusal ending = Reason.ISSUED.refusal();
    private String detail;
    private String traceId;
    private String spanId;

    /** The record of an exchange: the scope and identity it asked for. */
    RecordBuilder(ExchangeRequest request, Instant time) {
        this(time, request.requestId(), request.remoteAddress(), request.userAgent(), request.effectiveScope(),
                request.identity(), request.distinctScopes().size() > 1 ? request.distinctScopes() : null,
                request.downScoping());
    }

    /** The record of an audit read: the operation in the scope column, the query in the identity column. */
    RecordBuilder(AuditRead read, Instant time) {
        this(time, read.requestId(), read.remoteAddress(), read.userAgent(), read.operation(), read.query(), null,
                ExchangeRequest.DownScoping.NONE);
    }

    /** The record of a revocation request: scope and identity are the grant's, once it is found. */
    RecordBuilder(RevocationRequest request, Instant time) {
        this(time, request.requestId(), request.remoteAddress(), request.userAgent(), "", "", null,
                ExchangeRequest.DownScoping.NONE);
    }

    private RecordBuilder(Instant time, String requestId, String remoteAddress, String userAgent, String scope,
                          String identity, List<String> scopes, ExchangeRequest.DownScoping downScoping) {
        this.time = time;
        this.requestId = requestId;
        this.remoteAddress = remoteAddress;
        this.userAgent = userAgent;
        this.scope = scope;
        this.identity = identity;
        this.scopes = scopes;
        this.downScoping = downScoping;
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
                compiled.parsed() == null ? null : ParsedPolicy.of(compiled.parsed()));
        policiesRead.add(new ExchangeRecord.PolicyRef(owner, repo, path, blobSha, compiled.sha256()));
    }

    /** What GitHub is asked for once every policy allowed the token and the caller's narrowing was applied. */
    void granted(List<String> repositories, Map<String, String> permissions) {
        grantedRepositories = repositories;
        grantedPermissions = permissions;
    }

    void allowlist(ExchangeRecord.AllowlistVerdict verdict) {
        allowlist = verdict;
    }

    /** What GitHub issued; the token itself is not kept, only its SHA-256. */
    void issued(long appId, long installationId, InstallationToken minted) {
        issued = new ExchangeRecord.Issued(appId, installationId, minted.repositories(), minted.permissions(),
                minted.expiresAt(), Sha256.hex(minted.token()));
    }

    /** The token a revocation request named (its SHA-256), and its grant when the ledger holds one. */
    void revocation(String tokenSha256, IssuedGrants.Grant grant) {
        if (grant == null) {
            revocation = new ExchangeRecord.Revocation(tokenSha256, null, 0, null);
            return;
        }
        revocation = new ExchangeRecord.Revocation(tokenSha256, grant.chainId(), grant.seq(), grant.expiresAt());
        scope = grant.scope();
        identity = grant.identity();
    }

    /** The exchange's trace and span, so a ledger record leads to its trace. */
    void trace(String trace, String span) {
        traceId = trace;
        spanId = span;
    }

    String requestId() {
        return requestId;
    }

    /** Ends a request that succeeded without issuing a token (an audit read). */
    void completed(Reason reason) {
        ending = reason.refusal();
    }

    void refuse(Refusal refused) {
        ending = refused;
        issued = null;
    }

    /** Operator-facing detail of a refusal (never shown to the caller, never a secret). */
    void detail(String text) {
        detail = text == null ? null : bounded(text);
    }

    ExchangeRecord build() {
        GrpcCode code = ending.code();
        return new ExchangeRecord(time, requestId, remoteAddress, bounded(userAgent), bounded(scope), bounded(identity),
                actor, Decision.of(ending.reason()), code, ending.reason().code(), ending.message(), detail, policy,
                allowlist, issued, traceId, spanId, grant(), revocation);
    }

    /** Only a request of several repositories or one that narrowed the token has a grant to explain. */
    private ExchangeRecord.Grant grant() {
        if (scopes == null && !downScoping.asked()) {
            return null;
        }
        return new ExchangeRecord.Grant(scopes == null ? List.of(bounded(scope)) : recordedScopes(),
                List.copyOf(policiesRead), downScoping.permissions(), downScoping.repositories(), grantedRepositories,
                grantedPermissions);
    }

    /**
     * The scopes asked for, at most as many as a request may name, then how many more there were: a request
     * refused for naming too many must not choose how large its record is.
     */
    private List<String> recordedScopes() {
        List<String> kept = scopes.stream().limit(RequestedScopes.MAX_REPOSITORIES).map(RecordBuilder::bounded).toList();
        if (scopes.size() <= RequestedScopes.MAX_REPOSITORIES) {
            return kept;
        }
        List<String> recorded = new ArrayList<>(kept);
        recorded.add("… " + (scopes.size() - RequestedScopes.MAX_REPOSITORIES) + " more");
        return recorded;
    }

    private static String bounded(String value) {
        if (value == null || value.length() <= MAX_VALUE_CHARS) {
            return value;
        }
        return value.substring(0, MAX_VALUE_CHARS) + "…";
    }
}
