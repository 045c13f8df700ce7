package dev.octosts.exchange;

import dev.octosts.cache.FreshStaleCache;
import dev.octosts.github.AppPool;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.ToLongFunction;

/**
 * One kind of file in the org policy repository, per owner, read through {@link OrgFileLookup} and cached
 * ({@link FreshStaleCache}): a verdict is fresh for 5 minutes; when GitHub cannot be read, the last
 * verdict up to an hour old is used, without making it fresh again. A failed read never turns into "no
 * file", and an invalid file falls back to the last valid one, never to "absent".
 *
 * <p>Concurrent lookups of one owner share one read of GitHub; a caller that joins a read in flight
 * waits at most {@code waitLimit} for it (the exchange has no request deadline of its own), then gets
 * {@link OrgFileState.TimedOut} while the read goes on for the others.
 *
 * <p>The cache is bounded by the heap it holds: whoever installs the App on their organization writes
 * these files. An entry leaves it an hour after it was written, when no rule above can use it any more.
 *
 * @param <T> the file, parsed
 */
final class OrgFileCache<T> {
    private static final Duration FRESH = Duration.ofMinutes(5);
    private static final Duration STALE = Duration.ofHours(1);
    /** Object headers, references and the map node around each entry, in bytes. */
    private static final int ENTRY_OVERHEAD = 256;

    /** The last verdict read for an owner, and the last valid file seen (kept through an invalid edit). */
    private record Cached<T>(OrgFileState<T> state, OrgFileState.Present<T> lastGood, Instant lastGoodAt) {
        /** A verdict that is answered but never cached. */
        static <T> Cached<T> only(OrgFileState<T> state) {
            return new Cached<>(state, null, null);
        }

        /** Heap bytes: each file held once (the verdict is often the last good file itself). */
        int weight(ToLongFunction<T> heapBytes) {
            long bytes = ENTRY_OVERHEAD + weightOf(state, heapBytes) + (lastGood == state ? 0 : weightOf(lastGood, heapBytes));
            return (int) Math.min(bytes, Integer.MAX_VALUE);
        }

        private static <T> long weightOf(OrgFileState<T> state, ToLongFunction<T> heapBytes) {
            return switch (state) {
                case null -> 0;
                case OrgFileState.Present<T> present -> heapBytes.applyAsLong(present.value());
                case OrgFileState.Invalid<T> invalid -> 64 + 2L * invalid.error().length();
                default -> 64;
            };
        }

        OrgFileState<T> effective(Instant now) {
            if (state instanceof OrgFileState.Invalid<T> && lastGood != null && lastGoodAt.plus(STALE).isAfter(now)) {
                return lastGood;
            }
            return state;
        }
    }

    private final OrgFileLookup<T> lookup;
    private final Clock clock;
    private final FreshStaleCache.Patience<Cached<T>> patience;
    private final FreshStaleCache<String, Cached<T>> byOwner;

    /**
     * @param waitLimit how long a caller waits for another caller's read of the same owner
     * @param maxWeight the heap bytes all owners' entries may hold
     * @param heapBytes an upper estimate of the heap one parsed file holds
     */
    OrgFileCache(OrgFileLookup<T> lookup, Clock clock, Duration waitLimit, long maxWeight, ToLongFunction<T> heapBytes) {
        this.lookup = lookup;
        this.clock = clock;
        this.patience = new FreshStaleCache.Patience<>(waitLimit, () -> Cached.only(new OrgFileState.TimedOut<>()),
                failure -> Cached.only(new OrgFileState.Unavailable<>(false, failure instanceof InterruptedException
                        ? "interrupted while waiting for the lookup in flight"
                        : "the lookup in flight failed: " + failure.getClass().getSimpleName())));
        this.byOwner = new FreshStaleCache<>(clock, maxWeight,
                (String owner, Cached<T> cached) -> 2 * owner.length() + cached.weight(heapBytes));
    }

    OrgFileState<T> lookup(AppPool pool, String owner) {
        return byOwner.get(owner, kept -> refresh(pool, owner, kept), patience).effective(clock.instant());
    }

    /** True while a read of the owner's file is in flight (tests join it on purpose). */
    boolean reading(String owner) {
        return byOwner.loading(owner);
    }

    /** True when the next lookup of the owner is answered from the cache, without GitHub. */
    boolean cachedFresh(String owner) {
        return byOwner.fresh(owner) != null;
    }

    /** Reads GitHub; {@code kept} is the verdict there is, no longer fresh, or null. */
    private FreshStaleCache.Loaded<Cached<T>> refresh(AppPool pool, String owner, FreshStaleCache.Entry<Cached<T>> kept) {
        OrgFileState<T> read = lookup.read(pool, owner);
        Instant now = clock.instant();
        if (read instanceof OrgFileState.Unavailable<T>) {
            // The last verdict up to an hour old is served, but not made fresh again, so it ages out.
            return FreshStaleCache.Loaded.answered(kept != null && kept.keptAt(now) ? kept.value() : Cached.only(read));
        }
        Cached<T> last = kept == null ? null : kept.value();
        Cached<T> entry = read instanceof OrgFileState.Present<T> present
                ? new Cached<>(read, present, now)
                : new Cached<>(read, last == null ? null : last.lastGood(), last == null ? null : last.lastGoodAt());
        return FreshStaleCache.Loaded.kept(FreshStaleCache.Entry.of(entry, now, FRESH, STALE));
    }

    /** Bytes the cache holds, after pending evictions, for tests. */
    long estimatedWeight() {
        return byOwner.weight();
    }
}
