package dev.octosts.exchange;

import dev.octosts.oidc.OidcVerifier;
import dev.octosts.oidc.VerifiedToken;
import dev.octosts.policy.CheckResult;
import dev.octosts.policy.CompiledTrustPolicy;

import java.time.Clock;

/**
 * Who may read the ledger: callers whose OIDC token matches the audit-reader trust policy (same file
 * format as any trust policy; its permissions are ignored). Every read, allowed or refused, is itself
 * a ledger record — who looked at what — committed before any data is returned.
 */
public final class AuditReaders {
    private final BearerAuthentication authentication;
    private final CompiledTrustPolicy readers;
    private final String domain;
    private final ExchangeRecorder recorder;
    private final Clock clock;

    /** @param readers the audit-reader policy, or null when nobody may read the ledger over HTTP */
    public AuditReaders(OidcVerifier oidc, CompiledTrustPolicy readers, String domain, ExchangeRecorder recorder,
                        Clock clock) {
        this.authentication = new BearerAuthentication(oidc);
        this.readers = readers;
        this.domain = domain;
        this.recorder = recorder;
        this.clock = clock;
    }

    /**
     * Authorizes one audit read and records it.
     *
     * @param request  the caller, with {@code scope} naming the operation (e.g. {@code audit/query}) and
     *                 {@code identity} describing what was asked for
     * @return null when the read may go ahead (its record is committed), otherwise why not
     */
    public Refusal authorize(ExchangeRequest request) {
        RecordBuilder record = new RecordBuilder(request, clock.instant());
        ExchangeTracing.correlateWithCurrent(record);
        Refusal refusal = decide(request, record);
        if (refusal == null) {
            record.completed("audit_read");
        } else {
            record.refuse(refusal);
        }
        try {
            recorder.append(record.build());
        } catch (ExchangeRecorder.RecordingException e) {
            return new Refusal(GrpcCode.UNAVAILABLE, "ledger_unavailable", "unable to record the audit read");
        }
        return refusal;
    }

    private Refusal decide(ExchangeRequest request, RecordBuilder record) {
        if (readers == null) {
            return new Refusal(GrpcCode.PERMISSION_DENIED, "audit_readers_not_configured",
                    "no audit readers are configured");
        }
        BearerAuthentication.Result caller = authentication.authenticate(request.authorization(), record);
        if (caller.refusal() != null) {
            return caller.refusal();
        }
        VerifiedToken token = caller.token();
        CheckResult check = readers.check(token.claims(), domain);
        record.policyClaims(readers.claimNamesChecked(), token.claims());
        return switch (check.verdict()) {
            case ALLOW -> null;
            case INVALID_TOKEN -> new Refusal(GrpcCode.INVALID_ARGUMENT, check.reason(), check.message());
            case DENIED -> new Refusal(GrpcCode.PERMISSION_DENIED, check.reason(), check.message());
        };
    }
}
