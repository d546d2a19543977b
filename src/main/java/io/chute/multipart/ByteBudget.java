package io.chute.multipart;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of request bodies being sent at once, across all uploads: a send of N bytes holds min(N, budget) until
 * it ends, so a single body larger than the whole budget still goes, alone. Waiters are served first come,
 * first served (a fair semaphore), so a large part is not starved by small ones. Counted in KiB internally, so
 * budgets up to 2 TiB fit. Any thread may call any method.
 */
public final class ByteBudget {

    private static final long UNIT = 1024;

    private final long budgetInBytes;
    private final Semaphore units;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong highWater = new AtomicLong();

    public ByteBudget(long budgetInBytes) {
        if (budgetInBytes < UNIT || budgetInBytes / UNIT > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("byte budget out of range: " + budgetInBytes);
        }
        this.budgetInBytes = budgetInBytes;
        this.units = new Semaphore((int) (budgetInBytes / UNIT), true);
    }

    /** A budget no single send can exhaust (tests and callers without a budget). */
    public static ByteBudget unlimited() {
        return new ByteBudget(UNIT * Integer.MAX_VALUE);
    }

    /** Waits until {@code sizeInBytes} (at most the whole budget) fits, then holds it; returns what it holds. */
    public long acquire(long sizeInBytes) throws InterruptedException {
        long held = Math.min(Math.max(sizeInBytes, 0), budgetInBytes);
        units.acquire(unitsOf(held));
        long now = inFlight.addAndGet(held);
        highWater.accumulateAndGet(now, Math::max);
        return held;
    }

    /** Gives back what {@link #acquire} returned. */
    public void release(long held) {
        inFlight.addAndGet(-held);
        units.release(unitsOf(held));
    }

    private int unitsOf(long held) {
        return (int) Math.min((held + UNIT - 1) / UNIT, budgetInBytes / UNIT);
    }

    public long budgetInBytes() {
        return budgetInBytes;
    }

    /** The most bytes ever held at once. */
    public long highWaterInBytes() {
        return highWater.get();
    }
}
