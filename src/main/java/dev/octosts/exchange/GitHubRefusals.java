package dev.octosts.exchange;

import dev.octosts.github.GitHubError;

/** What the caller is told when a GitHub call of the exchange failed. */
final class GitHubRefusals {
    private GitHubRefusals() {
    }

    /**
     * The call was not sent (too many in flight), GitHub rate-limited it, or GitHub failed it: then the
     * step's own {@code failure} (Octo STS's message for that step).
     */
    static Refusal failed(GitHubError error, Refusal failure) {
        if (error.overloaded()) {
            return Reason.OUTBOUND_LIMIT.refusal();
        }
        return error.rateLimited() ? Reason.GITHUB_RATE_LIMITED.refusal() : failure;
    }
}
