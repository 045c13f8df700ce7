package dev.octosts.exchange;

import dev.octosts.guard.RateLimits;
import dev.octosts.oidc.UnverifiedIssuer;

import java.util.function.Supplier;

/**
 * Whose exchange is worked on when: a caller whose token was allowed lately goes straight to work; a new caller
 * of a known issuer takes its turn through the {@linkplain dev.octosts.guard.StrangerGate stranger gate}, so
 * that a flood of such requests (anyone with an issuer that earned a token can mint subjects without end)
 * cannot stand between known callers and the CPU. A token of an issuer not known here, or none, goes on: its
 * issuer's budgets already bound it, and a turn must not be held while a stranger's issuer answers slowly.
 */
record CallerTurns(RateLimits limits) {

    ExchangeResult run(UnverifiedIssuer.Claimed caller, Supplier<ExchangeResult> work,
                       Supplier<ExchangeResult> turnedAway) {
        if (limits.isKnownCaller(caller.issuer(), caller.subject()) || !limits.isKnownIssuer(caller.issuer())) {
            return work.get();
        }
        if (!limits.strangers().enter()) {
            return turnedAway.get();
        }
        try {
            return work.get();
        } finally {
            limits.strangers().leave();
        }
    }
}
