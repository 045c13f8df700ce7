package dev.octosts.github;

/** The outcome of creating a check run. */
public sealed interface CheckRunResult {
    record Created(long id) implements CheckRunResult {
    }

    record Failed(GitHubError error) implements CheckRunResult {
    }
}
