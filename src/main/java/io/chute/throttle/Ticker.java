package io.chute.throttle;

import java.util.concurrent.TimeUnit;

/** The monotonic time and the sleep a {@link BandwidthLimiter} uses; a fake one makes its tests exact. */
interface Ticker {

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** Sleeps about this long; throws as soon as the thread is interrupted. */
    void sleep(long nanos) throws InterruptedException;

    Ticker SYSTEM = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(long nanos) throws InterruptedException {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    };
}
