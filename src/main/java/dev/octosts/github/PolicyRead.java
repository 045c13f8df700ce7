package dev.octosts.github;

/** The outcome of reading a trust-policy file through {@link PolicyFiles}. */
public sealed interface PolicyRead {
    /**
     * @param path  the file's path in the repository, {@code .github/chainguard/<identity>.sts.yaml}
     * @param stale served from the stale (1 h) copy because GitHub rate-limited the read
     */
    record Found(String path, String yaml, String blobSha, boolean stale) implements PolicyRead {
    }

    /**
     * A file larger than a policy may be: its text is neither kept nor returned, only what identifies it.
     *
     * @param sha256 of the file's UTF-8 text, as a record of a parsed policy would carry it
     */
    record TooLarge(String path, String blobSha, String sha256, boolean stale) implements PolicyRead {
    }

    record Missing() implements PolicyRead {
    }

    record RateLimited() implements PolicyRead {
    }

    record NotInstalled() implements PolicyRead {
    }

    record Failed(GitHubError error) implements PolicyRead {
    }
}
