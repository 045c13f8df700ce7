package dev.octosts.exchange;

import dev.octosts.github.AppPool;
import dev.octosts.github.GitHubClient;
import dev.octosts.policy.OrgTrustedIssuers;

import java.time.Clock;
import java.time.Duration;

/**
 * The org-wide list of trusted OIDC issuers ({@code <org policy repo>/.github/chainguard/trusted-token-issuers.yaml}),
 * read per owner through every installation of its App pool and cached as every org file is
 * ({@link OrgFileCache}: fresh for 5 minutes, the last verdict for an hour while GitHub cannot be read, the
 * last valid list through an invalid edit). A failed read never turns into "no allowlist".
 *
 * <p>The cache is bounded by the heap it holds ({@link #MAX_WEIGHT}): whoever installs the App on their
 * organization writes its allowlist, and one list may compile to some 160,000 RE2 instructions.
 */
final class OrgIssuerAllowlists {
    static final String PATH = ".github/chainguard/trusted-token-issuers.yaml";
    /** 16 MiB: some 10,000 owners with typical lists (about 1 KiB each), or one at the pattern limits (about 10 MiB). */
    static final long MAX_WEIGHT = 16L << 20;

    /** What is known about one owner's allowlist. */
    sealed interface State {
        record Absent() implements State {
        }

        record Present(OrgTrustedIssuers allowlist) implements State {
        }

        /** A state that ends the exchange whatever the issuer; the message is fixed and names nothing. */
        sealed interface Failure extends State {
            Refusal refusal();

            /** For the record's operator-facing detail. */
            String detail();
        }

        record Invalid(String error) implements Failure {
            @Override
            public Refusal refusal() {
                return Reason.ISSUER_ALLOWLIST_INVALID.refusal();
            }

            @Override
            public String detail() {
                return "org trusted issuers: " + error;
            }
        }

        /** GitHub could not be read and nothing usable is cached. */
        record Unavailable(boolean rateLimited, String cause) implements Failure {
            @Override
            public Refusal refusal() {
                return rateLimited ? Reason.ISSUER_ALLOWLIST_RATE_LIMITED.refusal()
                        : Reason.ISSUER_ALLOWLIST_UNAVAILABLE.refusal();
            }

            @Override
            public String detail() {
                return "org trusted issuers: " + cause;
            }
        }

        /** This caller waited for another caller's read of the same owner longer than it may. */
        record TimedOut() implements Failure {
            @Override
            public Refusal refusal() {
                return Reason.ISSUER_ALLOWLIST_TIMEOUT.refusal();
            }

            @Override
            public String detail() {
                return "org trusted issuers: gave up waiting for the lookup in flight";
            }
        }
    }

    private final OrgFileCache<OrgTrustedIssuers> byOwner;

    /** @param waitLimit how long a caller waits for another caller's read of the same owner */
    OrgIssuerAllowlists(GitHubClient github, String orgPolicyRepo, Clock clock, Duration waitLimit) {
        this.byOwner = new OrgFileCache<>(new OrgFileLookup<>(github, orgPolicyRepo, PATH, OrgTrustedIssuers::parse),
                clock, waitLimit, MAX_WEIGHT, OrgTrustedIssuers::estimatedHeapBytes);
    }

    State lookup(AppPool pool, String owner) {
        return switch (byOwner.lookup(pool, owner)) {
            case OrgFileState.Absent<OrgTrustedIssuers> absent -> new State.Absent();
            case OrgFileState.Present<OrgTrustedIssuers>(OrgTrustedIssuers allowlist) -> new State.Present(allowlist);
            case OrgFileState.Invalid<OrgTrustedIssuers>(String error) -> new State.Invalid(error);
            case OrgFileState.Unavailable<OrgTrustedIssuers>(boolean rateLimited, String cause) ->
                    new State.Unavailable(rateLimited, cause);
            case OrgFileState.TimedOut<OrgTrustedIssuers> timedOut -> new State.TimedOut();
        };
    }

    /** True while a read of the owner's allowlist is in flight (tests join it on purpose). */
    boolean reading(String owner) {
        return byOwner.reading(owner);
    }

    /** True when the next lookup of the owner is answered from the cache, without GitHub. */
    boolean cachedFresh(String owner) {
        return byOwner.cachedFresh(owner);
    }

    /** Bytes the cache holds, after pending evictions, for tests. */
    long estimatedWeight() {
        return byOwner.estimatedWeight();
    }
}
