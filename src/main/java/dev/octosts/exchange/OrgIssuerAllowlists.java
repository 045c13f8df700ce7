package dev.octosts.exchange;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.octosts.github.AppPool;
import dev.octosts.github.GitHubClient;
import dev.octosts.policy.OrgTrustedIssuers;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The org-wide list of trusted OIDC issuers ({@code <org policy repo>/.github/chainguard/trusted-token-issuers.yaml}),
 * read per owner through every installation of its App pool ({@link OrgIssuerLookup}) and cached: a
 * verdict is fresh for 5 minutes; when GitHub cannot be read, the last verdict up to an hour old is
 * used, without making it fresh again. A failed read never turns into "no allowlist", and an invalid
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
    private record Cached(State state, Instant readAt, State.Present lastGood, Instant lastGoodAt) {
        boolean fresh(Instant now) {
            return readAt.plus(FRESH).isAfter(now);
        }

        boolean usableWhenGitHubFails(Instant now) {
            return readAt.plus(STALE).isAfter(now);
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
    private final Duration waitLimit;
    private final Map<String, CompletableFuture<State>> inFlight = new ConcurrentHashMap<>();
    private final Cache<String, Cached> byOwner;

    /** @param waitLimit how long a caller waits for another caller's read of the same owner */
    OrgIssuerAllowlists(GitHubClient github, String orgPolicyRepo, Clock clock, Duration waitLimit) {
        this.lookup = new OrgIssuerLookup(github, orgPolicyRepo);
        this.clock = clock;
        this.waitLimit = waitLimit;
        this.byOwner = Caffeine.newBuilder()
                .ticker(() -> clock.millis() * 1_000_000L)
                .expireAfterWrite(STALE)
                .maximumWeight(MAX_WEIGHT)
                .weigher((String owner, Cached cached) -> 2 * owner.length() + cached.weight())
                .executor(Runnable::run)
                .build();
    }

    State lookup(AppPool pool, String owner) {
        Cached cached = cached(owner);
        if (cached != null && cached.fresh(clock.instant())) {
            return cached.effective(clock.instant());
        }
        CompletableFuture<State> mine = new CompletableFuture<>();
        CompletableFuture<State> running = inFlight.putIfAbsent(owner, mine);
        if (running != null) {
            return await(running);
        }
        try {
            State state = refresh(pool, owner);
            mine.complete(state);
            return state;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(owner, mine);
        }
    }

    /** True while a read of the owner's allowlist is in flight (tests join it on purpose). */
    boolean reading(String owner) {
        return inFlight.containsKey(owner);
    }

    /** True when the next lookup of the owner is answered from the cache, without GitHub. */
    boolean cachedFresh(String owner) {
        Cached cached = cached(owner);
        return cached != null && cached.fresh(clock.instant());
    }

    /** Reads GitHub, unless a read that finished just before this one made the cache fresh. */
    private State refresh(AppPool pool, String owner) {
        Cached cached = cached(owner);
        if (cached != null && cached.fresh(clock.instant())) {
            return cached.effective(clock.instant());
        }
        State read = lookup.read(pool, owner);
        Instant now = clock.instant();
        if (read instanceof State.Unavailable) {
            // The last verdict up to an hour old is served, but not re-seeded, so it ages out.
            return cached != null && cached.usableWhenGitHubFails(now) ? cached.effective(now) : read;
        }
        Cached entry = read instanceof State.Present present
                ? new Cached(read, now, present, now)
                : new Cached(read, now, cached == null ? null : cached.lastGood(),
                        cached == null ? null : cached.lastGoodAt());
        byOwner.put(owner, entry);
        return entry.effective(now);
    }

    private State await(CompletableFuture<State> running) {
        try {
            return running.get(waitLimit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return new State.TimedOut();
        } catch (ExecutionException e) {
            return new State.Unavailable(false, "the lookup in flight failed: " + e.getCause().getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new State.Unavailable(false, "interrupted while waiting for the lookup in flight");
        }
    }

    /** Bytes the cache holds, after pending evictions, for tests. */
    long estimatedWeight() {
        byOwner.cleanUp();
        return byOwner.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }

    private Cached cached(String owner) {
        return byOwner.getIfPresent(owner);
    }
}
