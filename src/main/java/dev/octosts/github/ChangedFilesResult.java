package dev.octosts.github;

import java.util.List;

/** The outcome of listing a pull request's files or comparing two commits. */
public sealed interface ChangedFilesResult {
    record Listed(List<ChangedFile> files) implements ChangedFilesResult {
        public Listed {
            files = List.copyOf(files);
        }
    }

    record Failed(GitHubError error) implements ChangedFilesResult {
    }
}
