package dev.octosts.keys;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts signatures, failures and token re-initialisations, and a latency histogram, for one key
 * source. Lock-free; the telemetry exporter reads {@link #snapshot()}.
 */
public final class SigningStats {
    /** Upper bounds of the latency buckets in microseconds; a last, unbounded bucket follows. */
    public static final long[] BUCKET_BOUNDS_MICROS = {250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000,
            100_000, 250_000, 1_000_000};

    private final LongAdder signatures = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder reinitialisations = new LongAdder();
    private final LongAdder totalMicros = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final LongAdder[] buckets = new LongAdder[BUCKET_BOUNDS_MICROS.length + 1];

    public SigningStats() {
        Arrays.setAll(buckets, i -> new LongAdder());
    }

    /**
     * @param signatures        successful signatures
     * @param failures          failed signing attempts (a failure followed by a successful retry counts once here)
     * @param reinitialisations times the token connection was rebuilt after a failure
     * @param peakInFlight      the most signatures that were under way at the same time
     * @param bucketCounts      successful signatures per latency bucket, see {@link #BUCKET_BOUNDS_MICROS}
     */
    public record Snapshot(long signatures, long failures, long reinitialisations, long totalMicros, int peakInFlight,
                           long[] bucketCounts) {
        public double meanMicros() {
            return signatures == 0 ? 0 : (double) totalMicros / signatures;
        }
    }

    void started() {
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    void finished() {
        inFlight.decrementAndGet();
    }

    void succeeded(long nanos) {
        long micros = nanos / 1_000;
        signatures.increment();
        totalMicros.add(micros);
        int bucket = 0;
        while (bucket < BUCKET_BOUNDS_MICROS.length && micros > BUCKET_BOUNDS_MICROS[bucket]) {
            bucket++;
        }
        buckets[bucket].increment();
    }

    void failed() {
        failures.increment();
    }

    void reinitialised() {
        reinitialisations.increment();
    }

    public Snapshot snapshot() {
        long[] counts = Arrays.stream(buckets).mapToLong(LongAdder::sum).toArray();
        return new Snapshot(signatures.sum(), failures.sum(), reinitialisations.sum(), totalMicros.sum(),
                peakInFlight.get(), counts);
    }
}
