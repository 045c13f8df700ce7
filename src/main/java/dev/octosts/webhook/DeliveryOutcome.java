package dev.octosts.webhook;

import java.util.Locale;

/** How {@link WebhookService} ended a delivery: the answer to GitHub and the label counted in telemetry. */
enum DeliveryOutcome {
    CHECKED(200, "checked"), SKIPPED(200, "skipped"), RATE_LIMITED(200, "rate limited; no check run"),
    REPLAYED(200, "already delivered"), UNHANDLED(202, "event not handled"), BOT(202, "bot sender ignored"),
    REJECTED(400, "rejected"), LENGTH_REQUIRED(411, "Content-Length required"), TOO_LARGE(413, "payload too large"),
    THROTTLED(429, "too many unverified deliveries from this address"),
    FAILED(500, "failed"), BUSY(503, "too many webhook deliveries in progress"),
    /** The body did not arrive whole in time (or its memory went to a newer delivery); no answer is possible. */
    CUT_OFF(0, "cut off");

    final int status;
    final String message;

    DeliveryOutcome(int status, String message) {
        this.status = status;
        this.message = message;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
