package dev.octosts.exchange;

import dev.octosts.guard.RateLimits;
import dev.octosts.guard.StrangerGate;
import dev.octosts.oidc.UnverifiedIssuer;

import java.util.function.Supplier;

/**
 * Whose exchange is worked on when: a caller whose token was allowed lately goes straight to work; any other
 * takes its turn through a {@linkplain dev.octosts.guard.StrangerGate stranger gate}, so that a flood of
 * strangers' requests cannot stand between known callers and the CPU. New callers of a known issuer (anyone
 * whose issuer earned a token can mint subjects without end) and tokens of issuers not known here wait at
 * gates of their own: an issuer that answers discovery slowly can hold only the unknown issuers' turns.
 */
record CallerTurns(RateLimits limits) {

    ExchangeResult run(UnverifiedIssuer.Claimed caller, Supplier<ExchangeResult> work,
                       Supplier<ExchangeResult> turnedAway) {
        if (limits.isKnownCaller(caller.issuer(), caller.subject())) {
            return work.get();
        }
        StrangerGate gate = limits.isKnownIssuer(caller.issuer()) ? limits.strangers() : limits.unknownIssuersStrangers();
        if (!gate.enter()) {
            return turnedAway.get();
        }
        try {
            return work.get();
        } finally {
            gate.leave();
        }
    }
}
