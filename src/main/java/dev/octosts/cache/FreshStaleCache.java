package dev.octosts.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntBiFunction;

/**
 * Values read from a slow source that strangers can name (a policy file, an org allowlist, an issuer's
 * documents): each entry is fresh until a time of its own, then kept until a later time for when the
 * source fails, then gone. Concurrent loads of one key are one load: the first caller runs it on its own
 * thread, the others wait for its answer. It is a Caffeine {@link AsyncCache} whose values are the loads,
 * bounded by the bytes of its entries (a weigher, keys included) and aged by the service's clock.
 */
public final class FreshStaleCache<K, V> {
    /** A value, fresh until {@code freshUntil}, kept (for a loader to fall back on) until {@code keptUntil}. */
    public record Entry<V>(V value, Instant freshUntil, Instant keptUntil) {
        public static <V> Entry<V> of(V value, Instant now, Duration freshFor, Duration keptFor) {
            return new Entry<>(value, now.plus(freshFor), now.plus(keptFor));
        }

        public boolean freshAt(Instant now) {
            return now.isBefore(freshUntil);
        }

        public boolean keptAt(Instant now) {
            return now.isBefore(keptUntil);
        }

        Instant leavesAt() {
            return freshUntil.isAfter(keptUntil) ? freshUntil : keptUntil;
        }
    }

    /**
     * What one load gives every caller that waited for it, and the entry it leaves: {@code keep}, or when
     * that is null the entry there was before the load (for an answer that must not be cached).
     */
    public record Loaded<V>(V answer, Entry<V> keep) {
        public static <V> Loaded<V> kept(Entry<V> entry) {
            return new Loaded<>(entry.value(), entry);
        }

        public static <V> Loaded<V> answered(V answer) {
            return new Loaded<>(answer, null);
        }
    }

    /** How long a caller waits for another caller's load of the same key, and what it gets instead. */
    public record Patience<V>(Duration limit, Supplier<V> timedOut, Function<Throwable, V> failed) {
        /** Waits as long as the load takes; the load's exception is the waiter's too. */
        public static <V> Patience<V> unlimited() {
            return new Patience<>(null, null, null);
        }
    }

    /** A load's answer for its callers and the entry it leaves; in the cache only while the load runs. */
    private record Slot<V>(Entry<V> entry, V answer) {
    }

    private final Clock clock;
    private final AsyncCache<K, Slot<V>> cache;
    private final ConcurrentMap<K, CompletableFuture<Slot<V>>> map;

    /** @param weigher heap bytes of a key and its value, estimated from above */
    public FreshStaleCache(Clock clock, long maxWeight, ToIntBiFunction<K, V> weigher) {
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .ticker(Caches.ticker(clock))
                .expireAfter(new Expiry<K, Slot<V>>() {
                    @Override
                    public long expireAfterCreate(K key, Slot<V> slot, long currentTime) {
                        return untilLeaving(slot);
                    }

                    @Override
                    public long expireAfterUpdate(K key, Slot<V> slot, long currentTime, long currentDuration) {
                        return untilLeaving(slot);
                    }

                    @Override
                    public long expireAfterRead(K key, Slot<V> slot, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .maximumWeight(maxWeight)
                .<K, Slot<V>>weigher((key, slot) -> slot.entry() == null ? 0 : weigher.applyAsInt(key, slot.entry().value()))
                .executor(Runnable::run)
                .buildAsync();
        this.map = cache.asMap();
    }

    private long untilLeaving(Slot<V> slot) {
        return slot.entry() == null ? 0 : Math.max(0, Duration.between(clock.instant(), slot.entry().leavesAt()).toNanos());
    }

    /** The value of a fresh entry, or null; never waits for a load. */
    public V fresh(K key) {
        Entry<V> entry = entry(key);
        return entry != null && entry.freshAt(clock.instant()) ? entry.value() : null;
    }

    /** True while a load of the key runs. */
    public boolean loading(K key) {
        CompletableFuture<Slot<V>> slot = map.get(key);
        return slot != null && !slot.isDone();
    }

    /**
     * The fresh value, else the answer of one load for all concurrent callers. The load is given the
     * entry there is (stale, or null); it is not run when a load that finished meanwhile left a fresh one.
     */
    public V get(K key, Function<Entry<V>, Loaded<V>> load, Patience<V> patience) {
        V fresh = fresh(key);
        if (fresh != null) {
            return fresh;
        }
        return load(key, previous -> previous != null && previous.freshAt(clock.instant())
                ? new Loaded<>(previous.value(), null) : load.apply(previous), patience);
    }

    /** The answer of one load for all concurrent callers, whatever is cached; the load is given the entry there is. */
    public V load(K key, Function<Entry<V>, Loaded<V>> load, Patience<V> patience) {
        CompletableFuture<Slot<V>> mine = new CompletableFuture<>();
        AtomicReference<CompletableFuture<Slot<V>>> before = new AtomicReference<>();
        CompletableFuture<Slot<V>> running = map.compute(key, (k, current) -> {
            if (current != null && !current.isDone()) {
                return current;
            }
            before.set(current);
            return mine;
        });
        if (running != mine) {
            return await(running, patience);
        }
        Entry<V> previous = entryOf(before.get());
        Loaded<V> loaded;
        try {
            loaded = load.apply(previous);
        } catch (RuntimeException | Error e) {
            // The entry there was stays (Caffeine would drop a failed load's key with it); waiters get the failure.
            leave(key, mine, previous);
            mine.completeExceptionally(e);
            throw e;
        }
        Entry<V> stays = loaded.keep() != null ? loaded.keep() : previous;
        leave(key, mine, stays);
        mine.complete(new Slot<>(stays, loaded.answer()));
        return loaded.answer();
    }

    /** Replaces a finished load with the entry it leaves, without its answer; or with nothing. */
    private void leave(K key, CompletableFuture<Slot<V>> load, Entry<V> entry) {
        if (entry == null || !entry.leavesAt().isAfter(clock.instant())) {
            map.remove(key, load);
        } else {
            map.replace(key, load, CompletableFuture.completedFuture(new Slot<>(entry, null)));
        }
    }

    private V await(CompletableFuture<Slot<V>> running, Patience<V> patience) {
        if (patience.limit() == null) {
            try {
                return running.join().answer();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            return running.get(patience.limit().toNanos(), TimeUnit.NANOSECONDS).answer();
        } catch (TimeoutException e) {
            return patience.timedOut().get();
        } catch (ExecutionException e) {
            return patience.failed().apply(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return patience.failed().apply(e);
        }
    }

    private Entry<V> entry(K key) {
        return entryOf(map.get(key));
    }

    private static <V> Entry<V> entryOf(CompletableFuture<Slot<V>> slot) {
        if (slot == null || !slot.isDone() || slot.isCompletedExceptionally()) {
            return null;
        }
        return slot.join().entry();
    }

    /** Bytes the cache holds, after pending evictions. */
    public long weight() {
        cache.synchronous().cleanUp();
        return cache.synchronous().policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }
}
