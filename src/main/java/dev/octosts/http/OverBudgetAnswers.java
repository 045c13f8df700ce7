package dev.octosts.http;

import dev.octosts.exchange.ExchangeResult;
import dev.octosts.exchange.Reason;
import dev.octosts.guard.Tarpit;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerResponse;

/**
 * The public listener's answers to callers over their budget, and to requests refused for their size:
 * held by the {@link Tarpit} before they go; when no hold is free the answer goes at once and the
 * connection is closed.
 */
record OverBudgetAnswers(Tarpit tarpit) {

    /**
     * Before a refusal is sent: held when the exchange said so (the caller is over a budget, or its address
     * keeps being refused), with {@code Retry-After} when it was refused for its rate.
     */
    void beforeRefusal(ServerResponse res, ExchangeResult result) {
        if (!result.hold()) {
            return;
        }
        if (Reason.RATE_LIMITED.code().equals(result.record().reason())) {
            rateLimited(res);
        } else {
            hold(res);
        }
    }

    /** Holds a 429 about to be sent on {@code res}, saying when to ask again. */
    void rateLimited(ServerResponse res) {
        res.header(HeaderNames.RETRY_AFTER, Long.toString(tarpit.retryAfterSeconds()));
        hold(res);
    }

    /** Holds the answer about to be sent on {@code res}. */
    void hold(ServerResponse res) {
        if (!tarpit.hold()) {
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
    }
}
