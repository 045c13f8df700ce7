package dev.octosts.exchange;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything that is known about one exchange once it is decided: what was asked, by whom, what was
 * decided and why, which policy decided it and what was issued. The audit ledger stores it, telemetry
 * exports it, and the HTTP response is made from it. It never holds a raw OIDC token or GitHub token:
 * an issued token appears only as its SHA-256.
 *
 * @param message what the caller was told
 * @param detail  what an operator needs to know about a refusal, never shown to the caller
 * @param traceId the W3C trace id of the exchange (null without tracing)
 * @param spanId  the exchange span's id (null without tracing)
 * @param grant   how the grant was made from several repositories' policies or narrowed by the caller;
 *                null for a request of one scope that narrowed nothing (Octo STS's)
 * @param revocation what a revocation request was about; null for every other request
 */
public record ExchangeRecord(
        Instant time,
        String requestId,
        String remoteAddress,
        String userAgent,
        String scope,
        String identity,
        Actor actor,
        Decision decision,
        GrpcCode code,
        String reason,
        String message,
        String detail,
        PolicySource policy,
        AllowlistVerdict allowlist,
        Issued issued,
        String traceId,
        String spanId,
        Grant grant,
        Revocation revocation) {

    /** A record of one scope that narrowed nothing (Octo STS's) and is not a revocation. */
    public ExchangeRecord(Instant time, String requestId, String remoteAddress, String userAgent, String scope,
                          String identity, Actor actor, Decision decision, GrpcCode code, String reason, String message,
                          String detail, PolicySource policy, AllowlistVerdict allowlist, Issued issued, String traceId,
                          String spanId) {
        this(time, requestId, remoteAddress, userAgent, scope, identity, actor, decision, code, reason, message, detail,
                policy, allowlist, issued, traceId, spanId, null, null);
    }

    /** The verified caller: the token's identity and the claims worth keeping. */
    public record Actor(String issuer, String subject, List<String> audience, String jwtId,
                        Map<String, String> claims) {
    }

    /** The trust policy that was read: where it lives, which version, and what it said. */
    public record PolicySource(String owner, String repo, String path, String blobSha, String sha256,
                               ParsedPolicy parsed) {
    }

    /**
     * The org issuer allowlist's verdict, present only when the issuer was not on a list (as Octo STS
     * records it): {@code allowed} is true in audit mode, where the exchange went on anyway.
     */
    public record AllowlistVerdict(String mode, boolean allowed, String issuer) {
    }

    /** What GitHub issued. */
    public record Issued(long appId, long installationId, List<String> repositories,
                         Map<String, String> permissions, Instant expiresAt, String tokenSha256) {
    }

    /**
     * The token a revocation request named (only its SHA-256) and the ledger record of its grant, when
     * there is one.
     *
     * @param grantChainId the chain of the grant's record; null when the service never issued the token
     * @param grantSeq     the grant record's seq in that chain; 0 without a grant
     * @param expiresAt    when the granted token expires (or expired); null without a grant
     */
    public record Revocation(String tokenSha256, java.util.UUID grantChainId, long grantSeq, Instant expiresAt) {
    }

    /**
     * How the grant was made when a request named several repositories or narrowed the token.
     *
     * @param scopes                the scopes asked for, each once
     * @param policies              every trust policy read, in order (the record's {@code policy} is the last)
     * @param requestedPermissions  the permissions the caller asked for; null when not asked
     * @param requestedRepositories the repositories the caller narrowed an org scope to; null when not asked
     * @param repositories          the repositories GitHub was asked to cover; null before the grant was decided
     *                              or when the token covers every repository of the installation
     * @param permissions           the permissions GitHub was asked for; null before the grant was decided
     */
    public record Grant(List<String> scopes, List<PolicyRef> policies, Map<String, String> requestedPermissions,
                        List<String> requestedRepositories, List<String> repositories,
                        Map<String, String> permissions) {
    }

    /** One trust policy that was read: where it lives and which version. */
    public record PolicyRef(String owner, String repo, String path, String blobSha, String sha256) {
    }
}
