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
     * Authorizes one audit read and records it: passed when the read may go ahead (its record is
     * committed), otherwise why not.
     */
    public Outcome<Void> authorize(AuditRead read) {
        RecordBuilder record = new RecordBuilder(read, clock.instant());
        ExchangeTracing.correlateWithCurrent(record);
        return recorded(decide(read, record), record);
    }

    /**
     * Authorizes one read by someone signed in to the console and records it, as {@link #authorize} does
     * for a bearer token. {@code idToken} was verified at sign-in (signature, issuer, the console's client
     * ID as audience, nonce); its claims must still match the readers' policy, with {@code clientId} as
     * the audience required when the policy names none.
     */
    public Outcome<Void> authorizeSignedIn(AuditRead read, VerifiedToken idToken, String clientId) {
        RecordBuilder record = new RecordBuilder(read, clock.instant());
        ExchangeTracing.correlateWithCurrent(record);
        record.actor(idToken);
        Outcome<Void> decided = Outcome.steps(() -> {
            if (readers == null) {
                throw Outcome.stop(Reason.AUDIT_READERS_NOT_CONFIGURED.refusal());
            }
            if (idToken.audience().contains(exchangeAudience)) {
                throw Outcome.stop(Reason.EXCHANGE_AUDIENCE.refusal(exchangeAudience));
            }
            CheckResult check = readers.check(idToken.claims(), clientId);
            record.policyClaims(readers.claimNamesChecked(), idToken.claims());
            return Reason.checked(check).orStop();
        });
        return recorded(decided, record);
    }

    private Outcome<Void> recorded(Outcome<Void> decided, RecordBuilder record) {
        switch (decided) {
            case Outcome.Value<Void> passed -> record.completed(Reason.AUDIT_READ);
            case Outcome.Refused<Void>(Refusal refusal) -> record.refuse(refusal);
        }
        try {
            recorder.append(record.build());
        } catch (ExchangeRecorder.RecordingException e) {
            return Outcome.refused(Reason.AUDIT_LEDGER_UNAVAILABLE.refusal());
        }
        return decided;
    }

    private Outcome<Void> decide(AuditRead read, RecordBuilder record) {
        return Outcome.steps(() -> {
            if (readers == null) {
                throw Outcome.stop(Reason.AUDIT_READERS_NOT_CONFIGURED.refusal());
            }
            VerifiedToken token = authentication.authenticate(read.authorization(), record).orStop();
            if (token.audience().contains(exchangeAudience)) {
                throw Outcome.stop(Reason.EXCHANGE_AUDIENCE.refusal(exchangeAudience));
            }
            CheckResult check = readers.check(token.claims(), readersAudience);
            record.policyClaims(readers.claimNamesChecked(), token.claims());
            return Reason.checked(check).orStop();
        });
    }
}
