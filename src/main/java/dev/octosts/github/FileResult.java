package dev.octosts.github;

/** The outcome of reading one file of a repository. */
public sealed interface FileResult {
    record Found(String text, String blobSha) implements FileResult {
    }

    record Missing() implements FileResult {
    }

    record Failed(GitHubError error) implements FileResult {
    }
}
