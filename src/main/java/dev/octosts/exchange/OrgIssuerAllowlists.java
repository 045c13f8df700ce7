package dev.octosts.exchange;

import dev.octosts.github.AppPool;
import dev.octosts.cache.FreshStaleCache;
import dev.octosts.github.GitHubClient;
import dev.octosts.policy.OrgTrustedIssuers;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The org-wide list of trusted OIDC issuers ({@code <org policy repo>/.github/chainguard/trusted-token-issuers.yaml}),
 * read per owner through every installation of its App pool ({@link OrgIssuerLookup}) and cached
 * ({@link FreshStaleCache}): a verdict is fresh for 5 minutes; when GitHub cannot be read, the last
 * verdict up to an hour old is used, without making it fresh again. A failed read never turns into "no allowlist", and an invalid
 * file falls back to the last valid one, never to "absent".
 *
 * <p>Concurrent lookups of one owner share one read of GitHub; a caller that joins a read in flight
 * waits at most {@code waitLimit} for it (the exchange has no request deadline of its own), then gets
 * {@link State.TimedOut} while the read goes on for the others.
 *
 * <p>The cache is bounded by the heap it holds ({@link #MAX_WEIGHT}): whoever installs the App on their
 * organization writes its allowlist, and one list may compile to some 160,000 RE2 instructions. An entry
 * leaves it an hour after it was written, when no rule above can use it any more.
 */
final class OrgIssuerAllowlists {
    static final String PATH = ".github/chainguard/trusted-token-issuers.yaml";
    private static final Duration FRESH = Duration.ofMinutes(5);
    private static final Duration STALE = Duration.ofHours(1);
    /** 16 MiB: some 10,000 owners with typical lists (about 1 KiB each), or one at the pattern limits (about 10 MiB). */
    static final long MAX_WEIGHT = 16L << 20;
    /** Object headers, references and the map node around each entry, in bytes. */
    private static final int ENTRY_OVERHEAD = 256;

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

    /** The last verdict read for an owner, and the last valid list seen (kept through an invalid edit). */
    private record Cached(State state, State.Present lastGood, Instant lastGoodAt) {
        /** A verdict that is answered but never cached. */
        static Cached only(State state) {
            return new Cached(state, null, null);
        }

        /** Heap bytes: each list held once (the verdict is often the last good list itself). */
        int weight() {
            long bytes = ENTRY_OVERHEAD + weightOf(state) + (lastGood == state ? 0 : weightOf(lastGood));
            return (int) Math.min(bytes, Integer.MAX_VALUE);
        }

        private static long weightOf(State state) {
            return switch (state) {
                case null -> 0;
                case State.Present present -> present.allowlist().estimatedHeapBytes();
                case State.Invalid invalid -> 64 + 2L * invalid.error().length();
                default -> 64;
            };
        }

        State effective(Instant now) {
            if (state instanceof State.Invalid && lastGood != null && lastGoodAt.plus(STALE).isAfter(now)) {
                return lastGood;
            }
            return state;
        }
    }

    private final OrgIssuerLookup lookup;
    private final Clock clock;
    private final FreshStaleCache.Patience<Cached> patience;
    private final FreshStaleCache<String, Cached> byOwner;

    /** @param waitLimit how long a caller waits for another caller's read of the same owner */
    OrgIssuerAllowlists(GitHubClient github, String orgPolicyRepo, Clock clock, Duration waitLimit) {
        this.lookup = new OrgIssuerLookup(github, orgPolicyRepo);
        this.clock = clock;
        this.patience = new FreshStaleCache.Patience<>(waitLimit, () -> Cached.only(new State.TimedOut()),
                failure -> Cached.only(new State.Unavailable(false, failure instanceof InterruptedException
                        ? "interrupted while waiting for the lookup in flight"
                        : "the lookup in flight failed: " + failure.getClass().getSimpleName())));
        this.byOwner = new FreshStaleCache<>(clock, MAX_WEIGHT,
                (String owner, Cached cached) -> 2 * owner.length() + cached.weight());
    }

    State lookup(AppPool pool, String owner) {
        return byOwner.get(owner, kept -> refresh(pool, owner, kept), patience).effective(clock.instant());
    }

    /** True while a read of the owner's allowlist is in flight (tests join it on purpose). */
    boolean reading(String owner) {
        return byOwner.loading(owner);
    }

    /** True when the next lookup of the owner is answered from the cache, without GitHub. */
    boolean cachedFresh(String owner) {
        return byOwner.fresh(owner) != null;
    }

    /** Reads GitHub; {@code kept} is the verdict there is, no longer fresh, or null. */
    private FreshStaleCache.Loaded<Cached> refresh(AppPool pool, String owner, FreshStaleCache.Entry<Cached> kept) {
        State read = lookup.read(pool, owner);
        Instant now = clock.instant();
        if (read instanceof State.Unavailable) {
            // The last verdict up to an hour old is served, but not made fresh again, so it ages out.
            return FreshStaleCache.Loaded.answered(kept != null && kept.keptAt(now) ? kept.value() : Cached.only(read));
        }
        Cached last = kept == null ? null : kept.value();
        Cached entry = read instanceof State.Present present
                ? new Cached(read, present, now)
                : new Cached(read, last == null ? null : last.lastGood(), last == null ? null : last.lastGoodAt());
        return FreshStaleCache.Loaded.kept(FreshStaleCache.Entry.of(entry, now, FRESH, STALE));
    }

    /** Bytes the cache holds, after pending evictions, for tests. */
    long estimatedWeight() {
        return byOwner.weight();
    }
}
