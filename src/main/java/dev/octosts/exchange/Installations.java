package dev.octosts.exchange;

import dev.octosts.github.AppPool;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.InstallationResult;
import dev.octosts.gocompat.GoText;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.octosts.exchange.GrpcCode.NOT_FOUND;

/** Which App of the owner's pool, and which of its installations, serves an exchange. */
final class Installations {
    /** An App of the owner's pool and its installation on the owner. */
    record Installation(GitHubApp app, long id) {
    }

    private final GitHubClient github;
    private final AtomicInteger nextApp = new AtomicInteger();

    Installations(GitHubClient github) {
        this.github = github;
    }

    /**
     * The first App of the pool, starting round robin (which spreads GitHub rate limits over the pool's
     * Apps), that is installed on the owner.
     */
    Step<Installation> find(AppPool pool, String owner, RecordBuilder record) {
        List<GitHubApp> poolApps = pool.apps();
        int start = nextApp.getAndIncrement();
        Refusal refusal = new Refusal(NOT_FOUND, "not_installed", "no installation found for " + GoText.quote(owner));
        for (int i = 0; i < poolApps.size(); i++) {
            GitHubApp app = poolApps.get(Math.floorMod(start + i, poolApps.size()));
            switch (github.findInstallation(app, owner)) {
                case InstallationResult.Found found -> {
                    return Step.of(new Installation(app, found.installationId()));
                }
                case InstallationResult.NotInstalled notInstalled -> {
                }
                case InstallationResult.Failed failed -> {
                    record.detail("installation lookup: " + failed.error());
                    refusal = GitHubRefusals.failed(failed.error(), "github_unavailable", "unable to find installation");
                }
            }
        }
        return Step.refused(refusal);
    }

    /**
     * Octo STS routes tokens that may write check runs to one App per scope, identity and subject:
     * only the App that created a check run can update it, so a job's later tokens must come from
     * the same App. The key is hashed with FNV-32a, as Octo STS does.
     */
    Installation sticky(AppPool pool, String owner, String routeKey, Installation fallback) {
        if (pool.apps().size() < 2) {
            return fallback;
        }
        GitHubApp app = pool.apps().get(Integer.remainderUnsigned(fnv32a(routeKey), pool.apps().size()));
        return github.findInstallation(app, owner) instanceof InstallationResult.Found found
                ? new Installation(app, found.installationId())
                : fallback;
    }

    static int fnv32a(String text) {
        int hash = 0x811c9dc5;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        return hash;
    }
}
