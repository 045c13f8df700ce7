package dev.octosts.exchange;

import dev.octosts.github.GitHubError;

import static dev.octosts.exchange.GrpcCode.INTERNAL;
import static dev.octosts.exchange.GrpcCode.RESOURCE_EXHAUSTED;
import static dev.octosts.exchange.GrpcCode.UNAVAILABLE;

/** What the caller is told when a GitHub call of the exchange failed. */
final class GitHubRefusals {
    /** Too many outbound calls in flight in this process: the caller is told to come back. */
    static final Refusal OUTBOUND_LIMIT = new Refusal(UNAVAILABLE, "outbound_limit",
            "too many requests in flight, try again");

    private GitHubRefusals() {
    }

    /**
     * The call was not sent (too many in flight), GitHub rate-limited it, or GitHub failed it: Internal with
     * {@code reason} and Octo STS's {@code message}.
     */
    static Refusal failed(GitHubError error, String reason, String message) {
        if (error.overloaded()) {
            return OUTBOUND_LIMIT;
        }
        return error.rateLimited()
                ? new Refusal(RESOURCE_EXHAUSTED, "github_rate_limited", "GitHub API rate limit exceeded")
                : new Refusal(INTERNAL, reason, message);
    }
}
