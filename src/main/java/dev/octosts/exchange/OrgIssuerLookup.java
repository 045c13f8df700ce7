package dev.octosts.exchange;

import dev.octosts.exchange.OrgIssuerAllowlists.State;
import dev.octosts.github.AppPool;
import dev.octosts.github.FileResult;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.GitHubError;
import dev.octosts.github.InstallationRouter;
import dev.octosts.github.InstallationRouter.Installation;
import dev.octosts.policy.OrgTrustedIssuers;
import dev.octosts.policy.PolicyException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads one owner's trusted-issuer allowlist through every installation of its App pool (README rule
 * 35), uncached. The Apps of a pool may see different repositories, so one App that cannot see the org
 * policy repo says nothing about the file: only when no installation can see it, and a fresh look at
 * GitHub's installations confirms that, is the allowlist "absent" (which lets every issuer through).
 */
final class OrgIssuerLookup {
    private final GitHubClient github;
    private final InstallationRouter installations;
    private final String orgPolicyRepo;

    OrgIssuerLookup(GitHubClient github, String orgPolicyRepo) {
        this.github = github;
        this.installations = new InstallationRouter(github);
        this.orgPolicyRepo = orgPolicyRepo;
    }

    /** Absent, Present or Invalid when an installation answered definitively or all are confirmed blind; else Unavailable. */
    State read(AppPool pool, String owner) {
        Enumeration known = enumerate(pool, owner, false);
        if (known.failure() != null) {
            return known.failure();
        }
        Reads reads = new Reads(owner);
        State verdict = reads.tryEach(known.installations());
        if (verdict != null) {
            return verdict;
        }
        if (reads.failure() != null) {
            return reads.failure();
        }
        // Every installation is blind. Before that becomes "no allowlist", ask GitHub again past the
        // installation cache: an App installed since may see the file, and is tried too.
        Enumeration fresh = enumerate(pool, owner, true);
        if (fresh.failure() != null) {
            return fresh.failure();
        }
        verdict = reads.tryEach(fresh.installations());
        if (verdict != null) {
            return verdict;
        }
        return reads.failure() != null ? reads.failure() : new State.Absent();
    }

    /** The pool's installations on the owner, or why they are not all known (never an empty list). */
    private record Enumeration(List<Installation> installations, State.Unavailable failure) {
    }

    private Enumeration enumerate(AppPool pool, String owner, boolean bypassCache) {
        return switch (installations.all(pool, owner, bypassCache)) {
            // A partial list could hide the one installation that sees the file.
            case InstallationRouter.Enumeration.Failed(GitHubApp app, GitHubError error) -> new Enumeration(List.of(),
                    new State.Unavailable(error.rateLimited(), "installations of App " + app.appId() + ": " + error.message()));
            case InstallationRouter.Enumeration.Listed(List<Installation> listed) when listed.isEmpty() ->
                    new Enumeration(List.of(), new State.Unavailable(false, "no App of the pool is installed"));
            case InstallationRouter.Enumeration.Listed(List<Installation> listed) -> new Enumeration(listed, null);
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
        State tryEach(List<Installation> installations) {
            for (Installation installation : installations) {
                if (!tried.add(installation.id())) {
                    continue;
                }
                State verdict = readThrough(installation);
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
        private State readThrough(Installation installation) {
            FileResult result = github.readFile(installation.app(), installation.id(), owner, orgPolicyRepo,
                    OrgIssuerAllowlists.PATH);
            return switch (result) {
                case FileResult.Missing missing -> new State.Absent();
                case FileResult.Found found -> parse(found.text());
                // GitHub answered the contents request, but not with a file (a directory, no inline content).
                case FileResult.Failed failed when failed.error().status() == 200 -> new State.Invalid(failed.error().message());
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
        State.Unavailable failure() {
            if (failures.isEmpty()) {
                return null;
            }
            boolean rateLimited = failures.stream().allMatch(GitHubError::rateLimited);
            GitHubError last = failures.getLast();
            return new State.Unavailable(rateLimited, "allowlist read: HTTP " + last.status() + " " + last.message());
        }
    }

    private static State parse(String yaml) {
        try {
            return new State.Present(OrgTrustedIssuers.parse(yaml));
        } catch (PolicyException e) {
            return new State.Invalid(e.getMessage());
        }
    }
}
