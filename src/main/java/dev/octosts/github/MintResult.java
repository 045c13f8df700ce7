package dev.octosts.github;

/** The outcome of {@code POST /app/installations/{id}/access_tokens}. */
public sealed interface MintResult {
    record Minted(InstallationToken token) implements MintResult {
    }

    record Failed(GitHubError error) implements MintResult {
    }
}
