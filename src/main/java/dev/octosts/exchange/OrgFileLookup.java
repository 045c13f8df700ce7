package dev.octosts.exchange;

import dev.octosts.github.AppPool;
import dev.octosts.github.FileResult;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.GitHubError;
import dev.octosts.github.InstallationRouter;
import dev.octosts.github.InstallationRouter.Installation;
import dev.octosts.policy.PolicyException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads one owner's file in the org policy repository (its trusted-issuer allowlist, its settings) through
 * every installation of its App pool (README rule 35), uncached. The Apps of a pool may see different
 * repositories, so one App that cannot see the org policy repo says nothing about the file: only when no
 * installation can see it, and a fresh look at GitHub's installations confirms that, is the file "absent"
 * (which means the org's defaults, such as letting every issuer through).
 *
 * @param <T> the file, parsed
 */
final class OrgFileLookup<T> {
    /** Turns the file's text into its value, or says why it is invalid. */
    @FunctionalInterface
    interface Parser<T> {
        T parse(String yaml) throws PolicyException;
    }

    private final GitHubClient github;
    private final InstallationRouter installations;
    private final String orgPolicyRepo;
    private final String path;
    private final Parser<T> parser;

    /** @param path the file's path in the org policy repository */
    OrgFileLookup(GitHubClient github, String orgPolicyRepo, String path, Parser<T> parser) {
        this.github = github;
        this.installations = new InstallationRouter(github);
        this.orgPolicyRepo = orgPolicyRepo;
        this.path = path;
        this.parser = parser;
    }

    /** Absent, Present or Invalid when an installation answered definitively or all are confirmed blind; else Unavailable. */
    OrgFileState<T> read(AppPool pool, String owner) {
        Enumeration<T> known = enumerate(pool, owner, false);
        if (known.failure() != null) {
            return known.failure();
        }
        Reads reads = new Reads(owner);
        OrgFileState<T> verdict = reads.tryEach(known.installations());
        if (verdict != null) {
            return verdict;
        }
        if (reads.failure() != null) {
            return reads.failure();
        }
        // Every installation is blind. Before that becomes "no file", ask GitHub again past the
        // installation cache: an App installed since may see the file, and is tried too.
        Enumeration<T> fresh = enumerate(pool, owner, true);
        if (fresh.failure() != null) {
            return fresh.failure();
        }
        verdict = reads.tryEach(fresh.installations());
        if (verdict != null) {
            return verdict;
        }
        return reads.failure() != null ? reads.failure() : new OrgFileState.Absent<>();
    }

    /** The pool's installations on the owner, or why they are not all known (never an empty list). */
    private record Enumeration<T>(List<Installation> installations, OrgFileState.Unavailable<T> failure) {
    }

    private Enumeration<T> enumerate(AppPool pool, String owner, boolean bypassCache) {
        return switch (installations.all(pool, owner, bypassCache)) {
            // A partial list could hide the one installation that sees the file.
            case InstallationRouter.Enumeration.Failed(GitHubApp app, GitHubError error) -> new Enumeration<>(List.of(),
                    new OrgFileState.Unavailable<>(error.rateLimited(), "installations of App " + app.appId() + ": " + error.message()));
            case InstallationRouter.Enumeration.Listed(List<Installation> listed) when listed.isEmpty() ->
                    new Enumeration<>(List.of(), new OrgFileState.Unavailable<>(false, "no App of the pool is installed"));
            case InstallationRouter.Enumeration.Listed(List<Installation> listed) -> new Enumeration<>(listed, null);
        };
    }

    /** The reads of one lookup: each installation is asked once, failures are kept in case nothing else answers. */
    private final class Reads {
        private final String owner;
        private final Set<Long> tried = new HashSet<>();
        private final List<GitHubError> failures = new ArrayList<>();

        Reads(String owner) {
            this.owner = owner;
        }

        /** The first definitive answer of the installations not asked yet; null when none gave one. */
        OrgFileState<T> tryEach(List<Installation> installations) {
            for (Installation installation : installations) {
                if (!tried.add(installation.id())) {
                    continue;
                }
                OrgFileState<T> verdict = readThrough(installation);
                if (verdict != null) {
                    return verdict;
                }
            }
            return null;
        }

        /**
         * Absent on 404, Present or Invalid when the file was read; null when this installation cannot
         * tell (blind, rate limited or failed), so the next one is asked.
         */
        private OrgFileState<T> readThrough(Installation installation) {
            FileResult result = github.readFile(installation.app(), installation.id(), owner, orgPolicyRepo, path);
            return switch (result) {
                case FileResult.Missing missing -> new OrgFileState.Absent<>();
                case FileResult.Found found -> parse(found.text());
                // GitHub answered the contents request, but not with a file (a directory, no inline content).
                case FileResult.Failed failed when failed.error().status() == 200 -> new OrgFileState.Invalid<>(failed.error().message());
                // A 422 comes from the token request (a GET of contents has no body to reject): this
                // installation cannot see the org policy repo. A 422 with a rate-limit signal is a rate limit.
                case FileResult.Failed failed when failed.error().status() == 422 && !failed.error().rateLimited() -> null;
                case FileResult.Failed failed -> {
                    failures.add(failed.error());
                    yield null;
                }
            };
        }

        /**
         * Unavailable when some installation failed, rate limited only when every failure was a rate
         * limit (another kind of failure is an outage that waiting for a reset does not fix); null when
         * every installation asked was blind.
         */
        OrgFileState.Unavailable<T> failure() {
            if (failures.isEmpty()) {
                return null;
            }
            boolean rateLimited = failures.stream().allMatch(GitHubError::rateLimited);
            GitHubError last = failures.getLast();
            return new OrgFileState.Unavailable<>(rateLimited, "read of " + path + ": HTTP " + last.status() + " " + last.message());
        }
    }

    private OrgFileState<T> parse(String yaml) {
        try {
            return new OrgFileState.Present<>(parser.parse(yaml));
        } catch (PolicyException e) {
            return new OrgFileState.Invalid<>(e.getMessage());
        }
    }
}
