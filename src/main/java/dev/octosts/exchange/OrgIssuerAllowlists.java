package dev.octosts.exchange;

import dev.octosts.github.FileResult;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.policy.OrgTrustedIssuers;
import dev.octosts.policy.PolicyException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The org-wide list of trusted OIDC issuers ({@code <org policy repo>/.github/chainguard/trusted-token-issuers.yaml}),
 * read per owner and cached: a verdict is fresh for 5 minutes; when GitHub cannot be read, the last
 * verdict up to an hour old is used. A failed read never turns into "no allowlist", and an invalid
 * file falls back to the last valid one, never to "absent".
 */
final class OrgIssuerAllowlists {
    static final String PATH = ".github/chainguard/trusted-token-issuers.yaml";
    private static final Duration FRESH = Duration.ofMinutes(5);
    private static final Duration STALE = Duration.ofHours(1);
    private static final int MAX_OWNERS = 10_000;

    /** What is known about one owner's allowlist. */
    sealed interface State {
        record Absent() implements State {
        }

        record Present(OrgTrustedIssuers allowlist) implements State {
        }

        record Invalid(String error) implements State {
        }

        /** GitHub could not be read and nothing usable is cached. */
        record Unavailable(boolean rateLimited) implements State {
        }
    }

    /** The last verdict read for an owner, and the last valid list seen (kept through an invalid edit). */
    private record Cached(State state, Instant readAt, State.Present lastGood, Instant lastGoodAt) {
        State effective(Instant now) {
            if (state instanceof State.Invalid && lastGood != null && lastGoodAt.plus(STALE).isAfter(now)) {
                return lastGood;
            }
            return state;
        }
    }

    private final GitHubClient github;
    private final String orgPolicyRepo;
    private final Clock clock;
    private final Map<String, Cached> byOwner = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > MAX_OWNERS;
        }
    };

    OrgIssuerAllowlists(GitHubClient github, String orgPolicyRepo, Clock clock) {
        this.github = github;
        this.orgPolicyRepo = orgPolicyRepo;
        this.clock = clock;
    }

    State lookup(GitHubApp app, long installationId, String owner) {
        Instant now = clock.instant();
        Cached cached;
        synchronized (byOwner) {
            cached = byOwner.get(owner);
        }
        if (cached != null && cached.readAt().plus(FRESH).isAfter(now)) {
            return cached.effective(now);
        }
        State read = read(app, installationId, owner);
        if (read instanceof State.Unavailable unavailable) {
            // Serve the last verdict up to an hour old; it is not re-seeded, so it ages out.
            return cached != null && cached.readAt().plus(STALE).isAfter(now) ? cached.effective(now) : unavailable;
        }
        Cached entry = read instanceof State.Present present
                ? new Cached(read, now, present, now)
                : new Cached(read, now, cached == null ? null : cached.lastGood(),
                        cached == null ? null : cached.lastGoodAt());
        synchronized (byOwner) {
            byOwner.put(owner, entry);
        }
        return entry.effective(now);
    }

    private State read(GitHubApp app, long installationId, String owner) {
        FileResult result = github.readFile(app, installationId, owner, orgPolicyRepo, PATH);
        return switch (result) {
            case FileResult.Missing missing -> new State.Absent();
            case FileResult.Found found -> parse(found.text());
            case FileResult.Failed failed when failed.error().status() == 422 && !failed.error().rateLimited() ->
                    new State.Absent(); // the App cannot see the org policy repo: there is no list it could apply
            case FileResult.Failed failed -> new State.Unavailable(failed.error().rateLimited());
        };
    }

    private static State parse(String yaml) {
        try {
            return new State.Present(OrgTrustedIssuers.parse(yaml));
        } catch (PolicyException e) {
            return new State.Invalid(e.getMessage());
        }
    }
}
