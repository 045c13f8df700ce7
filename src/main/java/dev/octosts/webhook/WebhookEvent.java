package dev.octosts.webhook;

import java.util.List;

/** A parsed delivery: one of the events the validator handles, or a known event it does not. */
public sealed interface WebhookEvent {
    /** The repository an event is about; {@code defaultBranch} is "" when the payload has none. */
    record Repository(String owner, String name, String defaultBranch) {
    }

    /** One commit of a push: the paths it added, modified and removed. */
    record Commit(List<String> added, List<String> modified, List<String> removed) {
        public Commit {
            added = List.copyOf(added);
            modified = List.copyOf(modified);
            removed = List.copyOf(removed);
        }
    }

    /** An event the validator acts on: it names a repository and the App installation that sent it. */
    sealed interface Handled extends WebhookEvent {
        Repository repository();

        long installationId();
    }

    record Push(Repository repository, long installationId, String before, String after, List<Commit> commits)
            implements Handled {
        public Push {
            commits = List.copyOf(commits);
        }
    }

    record PullRequest(Repository repository, long installationId, String action, long number, String headSha)
            implements Handled {
    }

    /**
     * A {@code check_suite} event, or a {@code check_run} event read through its {@code check_run.check_suite}.
     *
     * @param pullRequests the numbers of the suite's pull requests
     */
    record CheckSuite(String eventName, Repository repository, long installationId, String action, String sender,
                      String headBranch, String headSha, String before, List<Long> pullRequests)
            implements Handled {
        public CheckSuite {
            pullRequests = List.copyOf(pullRequests);
        }
    }

    /** A GitHub event this validator has nothing to do with (answered 202). */
    record Unhandled(String eventName) implements WebhookEvent {
    }
}
