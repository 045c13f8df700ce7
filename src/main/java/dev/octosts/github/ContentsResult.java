package dev.octosts.github;

import java.util.List;

/** The outcome of {@code GET /repos/{owner}/{repo}/contents/{path}?ref=}: a file, a directory, nothing, or an error. */
public sealed interface ContentsResult {
    record File(String text, String blobSha) implements ContentsResult {
    }

    /** A directory's entries; {@code type} is {@code file}, {@code dir}, {@code symlink} or {@code submodule}. */
    record Directory(List<Entry> entries) implements ContentsResult {
        public Directory {
            entries = List.copyOf(entries);
        }
    }

    record Entry(String type, String name, String path) {
    }

    /** Something else than a file or a directory: a {@code symlink} or a {@code submodule}. */
    record NotAFile(String type) implements ContentsResult {
    }

    record Missing() implements ContentsResult {
    }

    record Failed(GitHubError error) implements ContentsResult {
    }
}
