package dev.octosts.github;

import java.util.List;

/** The GitHub Apps that serve one org (or the {@code *} fallback); more Apps, more rate-limit headroom. */
public record AppPool(String name, List<GitHubApp> apps) {
    public AppPool {
        apps = List.copyOf(apps);
        if (apps.isEmpty()) {
            throw new IllegalArgumentException("App pool \"" + name + "\" has no GitHub App");
        }
    }
}
