package dev.octosts.exchange;

import dev.octosts.guard.RateLimits;
import dev.octosts.oidc.UnverifiedIssuer;

import java.util.function.Supplier;

/**
 * Whose exchange is worked on when: a caller whose token was allowed lately goes straight to work; any other
 * takes its turn through the {@linkplain dev.octosts.guard.StrangerGate stranger gate}, so that a flood of
 * strangers' requests cannot stand between known callers and the CPU.
 */
record CallerTurns(RateLimits limits) {

    ExchangeResult run(UnverifiedIssuer.Claimed caller, Supplier<ExchangeResult> work,
                       Supplier<ExchangeResult> turnedAway) {
        if (limits.isKnownCaller(caller.issuer(), caller.subject())) {
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
