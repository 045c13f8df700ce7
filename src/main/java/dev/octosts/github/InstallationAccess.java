package dev.octosts.github;

import java.util.Objects;

/**
 * An installation token together with whose it is, for calls made on the installation's behalf.
 * {@link #toString()} never prints the token.
 */
public record InstallationAccess(GitHubApp app, long installationId, InstallationToken token) {
    public InstallationAccess {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(token, "token");
    }

    @Override
    public String toString() {
        return "InstallationAccess[app=" + app.appId() + ", installation=" + installationId + "]";
    }
}
