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
 *
 * <p>Readers' tokens are minted for the ledger: when the policy names no audience, the token must carry
 * the readers' audience instead of the STS domain, and a token that carries the STS domain (the
 * exchange's audience) is refused whatever the policy says. A token minted for the exchange goes to every
 * job and proxy on the way to {@code /sts/exchange}; it must never open the ledger.
 */
public final class AuditReaders {
    private final BearerAuthentication authentication;
    private final CompiledTrustPolicy readers;
    private final String readersAudience;
    private final String exchangeAudience;
    private final ExchangeRecorder recorder;
    private final Clock clock;

    /**
     * @param readers          the audit-reader policy, or null when nobody may read the ledger over HTTP
     * @param readersAudience  the audience required when the policy names none
     * @param exchangeAudience the STS domain: a token carrying it is never a reader's
     * @throws IllegalArgumentException when the policy would accept a token minted for the exchange
     */
    public AuditReaders(OidcVerifier oidc, CompiledTrustPolicy readers, String readersAudience,
                        String exchangeAudience, ExchangeRecorder recorder, Clock clock) {
        String unsuitable = readers == null ? null : unsuitablePolicy(readers, readersAudience, exchangeAudience);
        if (unsuitable != null) {
            throw new IllegalArgumentException(unsuitable);
        }
        this.authentication = new BearerAuthentication(oidc);
        this.readers = readers;
        this.readersAudience = readersAudience;
        this.exchangeAudience = exchangeAudience;
        this.recorder = recorder;
        this.clock = clock;
    }

    /**
     * Why {@code policy} cannot be the readers' policy, or null when it can: it must not accept a token
     * whose audience is the exchange's.
     */
    public static String unsuitablePolicy(CompiledTrustPolicy policy, String readersAudience, String exchangeAudience) {
        if (!policy.acceptsAudience(exchangeAudience, readersAudience)) {
            return null;
        }
        return "accepts tokens whose audience is " + exchangeAudience + ", the exchange's; name no audience (then "
                + readersAudience + ", AUDIT_READERS_AUDIENCE, is required) or an audience of the ledger's own";
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
        if (token.audience().contains(exchangeAudience)) {
            return new Refusal(GrpcCode.PERMISSION_DENIED, "exchange_audience", "the token's audience includes "
                    + exchangeAudience + ", the exchange's: audit readers need a token minted for the ledger");
        }
        CheckResult check = readers.check(token.claims(), readersAudience);
        record.policyClaims(readers.claimNamesChecked(), token.claims());
        return switch (check.verdict()) {
            case ALLOW -> null;
            case INVALID_TOKEN -> new Refusal(GrpcCode.INVALID_ARGUMENT, check.reason(), check.message());
            case DENIED -> new Refusal(GrpcCode.PERMISSION_DENIED, check.reason(), check.message());
        };
    }
}
