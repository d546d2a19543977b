package io.chute.throttle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Wall clock and monotonic ticker in one, moving only when told or when a limiter sleeps on it, so a test knows
 * exactly how long the limiter waited. Single-threaded use only.
 */
final class FakeTime extends Clock implements Ticker {

    private Instant wall;
    private long nanos = 1_000_000_000L;
    private long sleptNanos;

    FakeTime(Instant start) {
        this.wall = start;
    }

    static FakeTime at(String isoInstant) {
        return new FakeTime(Instant.parse(isoInstant));
    }

    void advance(Duration d) {
        wall = wall.plus(d);
        nanos += d.toNanos();
    }

    long sleptNanos() {
        return sleptNanos;
    }

    double seconds() {
        return nanos / 1e9;
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public void sleep(long n) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        sleptNanos += n;
        advance(Duration.ofNanos(n));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** The same moving time seen in another zone (the limiter reads the timetable's local time through it). */
    @Override
    public Clock withZone(ZoneId zone) {
        FakeTime time = this;
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return zone;
            }

            @Override
            public Clock withZone(ZoneId other) {
                return time.withZone(other);
            }

            @Override
            public Instant instant() {
                return time.instant();
            }
        };
    }

    @Override
    public Instant instant() {
        return wall;
    }
}
