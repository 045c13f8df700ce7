package dev.octosts.exchange;

import dev.octosts.digest.Sha256;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.InstallationToken;
import dev.octosts.telemetry.Telemetry;

import java.time.Duration;

/**
 * How an exchange ends: its record made durable first, and a token handed out only then. Whatever goes
 * wrong after GitHub minted a token (the ledger, the deadline, any exception) revokes it: no token
 * outlives an error.
 */
record ExchangeCompletion(ExchangeRecorder recorder, GitHubClient github, Telemetry telemetry) {
    private static final System.Logger LOG = System.getLogger(ExchangeCompletion.class.getName());

    /**
     * Makes the record durable. A token is returned only when that worked; otherwise it is revoked at
     * GitHub and the caller gets an error instead.
     */
    ExchangeResult finish(RecordBuilder record, InstallationToken token, ExchangeTracing.Traced traced) {
        ExchangeResult result;
        try {
            ExchangeRecord built = record.build();
            traced.append(recorder, built);
            result = new ExchangeResult(built, token);
        } catch (ExchangeRecorder.RecordingException e) {
            String revoked = token == null ? "" : revokeAfterFailure(record, token);
            record.refuse(Reason.LEDGER_UNAVAILABLE.refusal());
            record.detail(e.getMessage() + revoked);
            result = new ExchangeResult(record.build(), null);
        } catch (RuntimeException e) {
            // Not an outage the ledger reported: record the failure instead, so the request still leaves a trace.
            record.refuse(internalError(record, "recording", e, token));
            result = recordError(record, traced);
        }
        traced.decided(result.record());
        return result;
    }

    /** Appends an error record after a failure; when even that fails, the caller is told the ledger is unavailable. */
    private ExchangeResult recordError(RecordBuilder record, ExchangeTracing.Traced traced) {
        try {
            ExchangeRecord built = record.build();
            traced.append(recorder, built);
            return new ExchangeResult(built, null);
        } catch (ExchangeRecorder.RecordingException | RuntimeException e) {
            record.refuse(Reason.LEDGER_UNAVAILABLE.refusal());
            return new ExchangeResult(record.build(), null);
        }
    }

    /**
     * A refusal for the caller's rate: recorded when {@code recorded} (the budget for such records allowed it),
     * otherwise only counted; held, unless recording it failed, which is the service's failure, not the caller's.
     */
    ExchangeResult rateLimited(RecordBuilder record, boolean recorded, ExchangeTracing.Traced traced) {
        return (recorded ? finish(record, null, traced) : unrecorded(record, traced)).heldIfRefusedFor(Reason.RATE_LIMITED);
    }

    /**
     * A refusal past the budget for recording refusals: answered without a ledger record, so a flood of
     * refused requests cannot fill the ledger's queue and make legitimate exchanges wait. Counted instead.
     */
    ExchangeResult unrecorded(RecordBuilder record, ExchangeTracing.Traced traced) {
        ExchangeRecord built = record.build();
        telemetry.exchangeUnrecorded(built.reason());
        traced.decided(built);
        return new ExchangeResult(built, null);
    }

    /**
     * The steps were stopped at the deadline; a token they minted just before it ({@code minted}, null when
     * none) is not handed out.
     */
    Refusal deadlineExceeded(RecordBuilder record, Duration deadline, InstallationToken minted) {
        String detail = "the exchange deadline of " + deadline.toSeconds() + " s passed";
        record.detail(minted == null ? detail : detail + revokeAfterFailure(record, minted));
        return Reason.EXCHANGE_DEADLINE.refusal();
    }

    /**
     * A step failed in a way no refusal describes (a bug, or a library throwing where it should not).
     * Whatever was minted ({@code minted}, null when nothing was) is revoked first.
     */
    Refusal internalError(RecordBuilder record, String where, RuntimeException error, InstallationToken minted) {
        StringBuilder detail = new StringBuilder(where).append(" failed: ").append(error.getClass().getName());
        if (minted != null) {
            detail.append(revokeAfterFailure(record, minted));
        }
        LOG.log(System.Logger.Level.ERROR, "exchange " + record.requestId() + ": " + detail);
        record.detail(detail.toString());
        return Reason.INTERNAL_ERROR.refusal();
    }

    /**
     * Revokes a token that must not be handed out; says how that went, for the record's detail. A token that
     * stays live is also logged (its SHA-256 and expiry, never the token), since the record may never land.
     */
    private String revokeAfterFailure(RecordBuilder record, InstallationToken token) {
        boolean revoked;
        try {
            revoked = github.revoke(token.token());
        } catch (RuntimeException e) {
            revoked = false;
        }
        if (revoked) {
            return "; the minted token was revoked";
        }
        LOG.log(System.Logger.Level.WARNING, "exchange " + record.requestId() + ": a minted token that was not handed out"
                + " could not be revoked; it stays valid until " + token.expiresAtRaw() + " (SHA-256 "
                + Sha256.hex(token.token()) + ")");
        return "; the minted token could not be revoked (it expires at " + token.expiresAtRaw() + ")";
    }
}
