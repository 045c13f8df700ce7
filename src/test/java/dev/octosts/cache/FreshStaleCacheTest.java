package dev.octosts.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.octosts.cache.FreshStaleCache.Entry;
import dev.octosts.cache.FreshStaleCache.Loaded;
import dev.octosts.cache.FreshStaleCache.Patience;
import dev.octosts.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fresh, then kept for a failing source, then gone; one load per key at a time; bounded in bytes. */
@Timeout(30)
class FreshStaleCacheTest {
    private static final Duration FRESH = Duration.ofMinutes(5);
    private static final Duration KEPT = Duration.ofHours(1);

    private final MutableClock clock = MutableClock.atSystemTime();
    private final FreshStaleCache<String, String> cache = new FreshStaleCache<>(clock, 1 << 20,
            (key, value) -> 2 * key.length() + 2 * value.length());
    private final AtomicInteger loads = new AtomicInteger();

    private Loaded<String> keep(String value) {
        loads.incrementAndGet();
        return Loaded.kept(Entry.of(value, clock.instant(), FRESH, KEPT));
    }

    @Test
    void aFreshValueIsServedWithoutLoadingThenTheLoadSeesTheKeptOne() {
        assertThat(cache.get("k", kept -> keep("v1"), Patience.unlimited())).isEqualTo("v1");
        clock.advance(Duration.ofMinutes(4));
        assertThat(cache.get("k", kept -> keep("never"), Patience.unlimited())).isEqualTo("v1");
        assertThat(loads).hasValue(1);

        clock.advance(Duration.ofMinutes(2));
        assertThat(cache.fresh("k")).isNull();
        List<String> seen = new ArrayList<>();
        assertThat(cache.get("k", kept -> {
            seen.add(kept.value());
            return Loaded.answered("failed");
        }, Patience.unlimited())).isEqualTo("failed");
        assertThat(seen).containsExactly("v1");
        // An answer that is not kept leaves the entry there was: still kept, still not fresh.
        assertThat(cache.fresh("k")).isNull();
        assertThat(cache.get("k", kept -> Loaded.answered(kept.value()), Patience.unlimited())).isEqualTo("v1");

        clock.advance(KEPT);
        assertThat(cache.get("k", kept -> Loaded.answered(kept == null ? "gone" : kept.value()), Patience.unlimited()))
                .isEqualTo("gone");
    }

    @Test
    void aFailedLoadLeavesTheKeptEntryAndFailsItsCaller() {
        cache.get("k", kept -> keep("v1"), Patience.unlimited());
        clock.advance(FRESH);

        assertThatThrownBy(() -> cache.get("k", kept -> {
            throw new IllegalStateException("boom");
        }, Patience.unlimited())).hasMessage("boom");
        assertThat(cache.get("k", kept -> Loaded.answered(kept.value()), Patience.unlimited())).isEqualTo("v1");
    }

    @Test
    void concurrentCallersShareOneLoad() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<String> first = threads.submit(() -> cache.get("k", kept -> {
                loading.countDown();
                await(release);
                return keep("shared");
            }, Patience.unlimited()));
            assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(cache.loading("k")).isTrue();
            List<Future<String>> others = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                others.add(threads.submit(() -> cache.get("k", kept -> keep("second load"), Patience.unlimited())));
            }
            release.countDown();
            assertThat(first.get()).isEqualTo("shared");
            for (Future<String> other : others) {
                assertThat(other.get()).isEqualTo("shared");
            }
            assertThat(loads).hasValue(1);
            assertThat(cache.loading("k")).isFalse();
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void aWaiterGivesUpAfterItsPatienceWhileTheLoadGoesOn() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<String> first = threads.submit(() -> cache.get("k", kept -> {
                loading.countDown();
                await(release);
                return keep("late");
            }, Patience.unlimited()));
            assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(cache.get("k", kept -> keep("never"), new Patience<>(Duration.ofMillis(20), () -> "timed out",
                    failure -> "failed"))).isEqualTo("timed out");
            release.countDown();
            assertThat(first.get()).isEqualTo("late");
            assertThat(cache.fresh("k")).isEqualTo("late");
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void theCacheStaysUnderItsWeightBudget() {
        String large = "x".repeat(64 * 1024);
        for (int i = 0; i < 40; i++) {
            String key = "k" + i;
            cache.get(key, kept -> keep(large), Patience.unlimited());
        }
        assertThat(cache.weight()).isLessThanOrEqualTo(1 << 20).isGreaterThan(1 << 19);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
