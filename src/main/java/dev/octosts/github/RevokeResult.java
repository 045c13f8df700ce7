package dev.octosts.github;

/** The outcome of {@code DELETE /installation/token}. */
public sealed interface RevokeResult {
    /** GitHub answered 204: the token no longer works. */
    record Revoked() implements RevokeResult {
    }

    /** GitHub answered 401: it no longer accepts the token (revoked or expired already). */
    record NotAccepted() implements RevokeResult {
    }

    record Failed(GitHubError error) implements RevokeResult {
    }
}
