package dev.octosts.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock tests move by hand, so cache ages and token times are exact. A stopped clock stands still
 * between moves; a running one follows the system clock, shifted by every move.
 */
public final class MutableClock extends Clock {
    private final boolean running;
    private volatile Instant fixed;
    private volatile Duration offset = Duration.ZERO;

    public MutableClock(Instant start) {
        this.running = false;
        this.fixed = start;
    }

    private MutableClock() {
        this.running = true;
    }

    /** A stopped clock at the current time. */
    public static MutableClock atSystemTime() {
        return new MutableClock(Instant.now());
    }

    /** A clock that keeps running with the system clock, for tests that talk to real servers. */
    public static MutableClock running() {
        return new MutableClock();
    }

    public void set(Instant instant) {
        if (running) {
            throw new IllegalStateException("a running clock can only be advanced");
        }
        fixed = instant;
    }

    public void advance(Duration duration) {
        if (running) {
            offset = offset.plus(duration);
        } else {
            fixed = fixed.plus(duration);
        }
    }

    @Override
    public Instant instant() {
        return running ? Instant.now().plus(offset) : fixed;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
