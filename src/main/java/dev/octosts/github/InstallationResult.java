package dev.octosts.github;

/** The outcome of looking up an App's installation on an owner. */
public sealed interface InstallationResult {
    record Found(long installationId) implements InstallationResult {
    }

    record NotInstalled() implements InstallationResult {
    }

    record Failed(GitHubError error) implements InstallationResult {
    }
}
