package io.chute.throttle;

import io.chute.config.BandwidthSchedule;

import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.LocalTime;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The process-wide upload bandwidth cap: one token bucket that the request bodies of every rule and every S3
 * connection draw from as the HTTP client reads them. Over any interval of length T at one rate r, the bytes
 * released are at most {@code burst + r × T}, where burst is the greater of 64 KiB and r / 10 (the bucket starts
 * full).
 * <p>
 * The rate in force comes from a {@link BandwidthSchedule} read at the local time of the injected {@link Clock},
 * re-read at most every {@value #RATE_REFRESH_MILLIS} ms while bytes flow and after each sleep slice of at most
 * {@value #SLICE_MILLIS} ms, so a change of rate applies within a second without a restart. While the rate is
 * off, a read costs one volatile read (a clock read every {@value #RATE_REFRESH_MILLIS} ms); a limiter whose
 * schedule is off all day is never consulted at all ({@link #throttle} returns the stream itself).
 * <p>
 * Thread-safe. Waiting readers queue on a fair lock and only the head of the queue sleeps, so parallel parts take
 * turns in arrival order and the sleeping time counted by {@link #throttledSeconds} is wall-clock time. Waits are
 * interruptible: an interrupted reader (SIGTERM shutdown) gets {@link InterruptedIOException} at once, with its
 * interrupt status kept.
 */
public final class BandwidthLimiter {

    /** No cap: bodies pass through untouched. */
    public static final BandwidthLimiter UNLIMITED =
            new BandwidthLimiter(BandwidthSchedule.constant(BandwidthSchedule.UNLIMITED), Clock.systemUTC(), Ticker.SYSTEM);

    static final long MIN_BURST_BYTES = 64 * 1024;
    static final int MAX_READ_BYTES = 64 * 1024;
    static final int MIN_READ_BYTES = 512;
    static final long SLICE_MILLIS = 100;
    static final long RATE_REFRESH_MILLIS = 100;
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(SLICE_MILLIS);
    private static final long RATE_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(RATE_REFRESH_MILLIS);
    private static final double NANOS_PER_SECOND = 1e9;

    private final BandwidthSchedule schedule;
    private final Clock clock;
    private final Ticker ticker;
    private final boolean alwaysUnlimited;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final LongAdder throttledNanos = new LongAdder();

    // Guarded by lock: the bucket.
    private long bucketRate = -1;
    private double tokens;
    private long refilledAt;

    // The rate in force as last read from the schedule; racing refreshes are harmless (both read the schedule).
    private volatile long rateInForce;
    private volatile long rateReadAt;

    BandwidthLimiter(BandwidthSchedule schedule, Clock clock, Ticker ticker) {
        this.schedule = schedule;
        this.clock = clock;
        this.ticker = ticker;
        this.alwaysUnlimited = schedule.alwaysUnlimited();
        this.refilledAt = ticker.nanoTime();
        this.rateReadAt = refilledAt;
        this.rateInForce = schedule.bytesPerSecondAt(LocalTime.now(clock));
    }

    /** A limiter following {@code schedule} at the local time of {@code clock} (its zone is the local zone). */
    public static BandwidthLimiter of(BandwidthSchedule schedule, Clock clock) {
        return schedule.alwaysUnlimited() ? UNLIMITED : new BandwidthLimiter(schedule, clock, Ticker.SYSTEM);
    }

    /** {@code body} with every read throttled; {@code body} itself when the cap is off all day. */
    public InputStream throttle(InputStream body) {
        return alwaysUnlimited ? body : new ThrottledInputStream(body, this);
    }

    /**
     * Returns once {@code bytes} may be sent under the rate in force, taking them from the bucket.
     *
     * @throws InterruptedIOException when the calling thread is interrupted while waiting (interrupt status kept)
     */
    public void acquire(long bytes) throws InterruptedIOException {
        if (alwaysUnlimited || bytes <= 0 || rateInForce() == BandwidthSchedule.UNLIMITED) {
            return;
        }
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            throw interrupted();
        }
        try {
            take(bytes);
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held; sleeps in slices, re-reading the rate after each. */
    private void take(long bytes) throws InterruptedIOException {
        long remaining = bytes;
        while (remaining > 0) {
            long rate = rateInForce();
            if (rate == BandwidthSchedule.UNLIMITED) {
                return;
            }
            refill(rate);
            long taken = (long) Math.min(remaining, tokens);
            if (taken > 0) {
                tokens -= taken;
                remaining -= taken;
                continue;
            }
            double missing = Math.min(remaining, burst(rate)) - tokens;
            long wait = Math.min(SLICE_NANOS, Math.max(1, (long) Math.ceil(missing * NANOS_PER_SECOND / rate)));
            long before = ticker.nanoTime();
            try {
                ticker.sleep(wait);
            } catch (InterruptedException e) {
                throw interrupted();
            } finally {
                throttledNanos.add(ticker.nanoTime() - before);
            }
        }
    }

    private void refill(long rate) {
        long now = ticker.nanoTime();
        if (rate != bucketRate) {
            tokens = bucketRate < 0 ? burst(rate) : Math.min(tokens, burst(rate)); // starts full
            bucketRate = rate;
        }
        tokens = Math.min(burst(rate), tokens + (now - refilledAt) * rate / NANOS_PER_SECOND);
        refilledAt = now;
    }

    private long rateInForce() {
        long now = ticker.nanoTime();
        if (now - rateReadAt >= RATE_REFRESH_NANOS) {
            rateInForce = schedule.bytesPerSecondAt(LocalTime.now(clock));
            rateReadAt = now;
        }
        return rateInForce;
    }

    /**
     * How many bytes one read of a throttled body may return: a sixteenth of the rate in force, from 512 B to
     * 64 KiB. Small reads keep every connection trickling instead of bursting: with eight bodies sharing the
     * rate, each gets bytes about every half second, far below the ~20 s after which S3 drops a request whose
     * body stalls (RequestTimeout).
     */
    int readSizeInBytes() {
        long rate = rateInForce();
        return rate == BandwidthSchedule.UNLIMITED ? MAX_READ_BYTES
                : (int) Math.max(MIN_READ_BYTES, Math.min(MAX_READ_BYTES, rate / 16));
    }

    /** The most the bucket holds at {@code rate}: small, so the cap holds over short intervals too. */
    static long burst(long rate) {
        return Math.max(MIN_BURST_BYTES, rate / 10);
    }

    private static InterruptedIOException interrupted() {
        Thread.currentThread().interrupt();
        return new InterruptedIOException("interrupted while waiting for upload bandwidth");
    }

    /** The cap in force now, in bytes per second; 0 means no cap. */
    public long limitBytesPerSecond() {
        return schedule.bytesPerSecondAt(LocalTime.now(clock));
    }

    /** Seconds readers have slept waiting for bandwidth since start (wall clock: only one reader sleeps at a time). */
    public double throttledSeconds() {
        return throttledNanos.sum() / NANOS_PER_SECOND;
    }

    @Override
    public String toString() {
        return alwaysUnlimited ? "off" : schedule.toString();
    }
}
