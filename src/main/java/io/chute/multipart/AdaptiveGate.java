package io.chute.multipart;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A permit gate whose size moves between 1 and {@code max} ({@link AimdLimit}), or stays at {@code max} when
 * not adaptive. Lowering the limit revokes nothing: sends in flight finish, new ones wait until fewer than the
 * limit are in flight. Waiters are served first come, first served, so uploads that wait for part permits take
 * turns (a file's next part queues behind the parts other files asked for first). Any thread may call any method.
 */
public final class AdaptiveGate {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private final AimdLimit policy;
    private final int max;
    private volatile int limit;
    private int inFlight;
    private int highWater;
    /** Threads waiting for a permit, in arrival order; only the first may take one. */
    private final Deque<Thread> waiters = new ArrayDeque<>();

    private AdaptiveGate(int max, AimdLimit policy) {
        this.max = max;
        this.policy = policy;
        this.limit = max;
    }

    /**
     * A gate of {@code max} permits that adapts to the endpoint when {@code adaptive}, judging overload statuses,
     * throughput and per-byte latency: for sends of similar size (parts).
     */
    public static AdaptiveGate of(int max, boolean adaptive, Clock clock) {
        return new AdaptiveGate(max, adaptive ? new AimdLimit(AimdLimit.Settings.of(max), clock) : null);
    }

    /**
     * As {@link #of}, without the latency rule: for sends whose sizes differ widely (whole files), where a
     * window of small ones would look like a latency rise.
     */
    public static AdaptiveGate ignoringLatency(int max, boolean adaptive, Clock clock) {
        return new AdaptiveGate(max,
                adaptive ? new AimdLimit(AimdLimit.Settings.of(max).ignoringLatency(), clock) : null);
    }

    static AdaptiveGate of(AimdLimit.Settings settings, Clock clock) {
        return new AdaptiveGate(settings.max(), new AimdLimit(settings, clock));
    }

    /** Waits until this caller is the longest waiting and fewer than the limit are in flight, then takes a permit. */
    public void acquire() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            Thread me = Thread.currentThread();
            waiters.addLast(me);
            try {
                while (waiters.peekFirst() != me || inFlight >= limit) {
                    freed.await();
                }
            } catch (InterruptedException e) {
                waiters.remove(me);
                freed.signalAll(); // the next waiter may be first now
                throw e;
            }
            waiters.removeFirst();
            inFlight++;
            highWater = Math.max(highWater, inFlight);
            freed.signalAll(); // the next waiter may take a permit too
        } finally {
            lock.unlock();
        }
    }

    /** Returns a permit taken by {@link #acquire}. */
    public void release() {
        lock.lock();
        try {
            inFlight--;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A send of {@code sizeInBytes} under a permit of this gate succeeded after {@code took}. */
    public void succeeded(long sizeInBytes, Duration took) {
        if (policy == null) {
            return;
        }
        lock.lock();
        try {
            policy.succeeded(sizeInBytes, took);
            adopt();
        } finally {
            lock.unlock();
        }
    }

    /** The endpoint signalled overload (503 SlowDown or the like). */
    public void overloaded() {
        if (policy == null) {
            return;
        }
        lock.lock();
        try {
            policy.overloaded();
            adopt();
        } finally {
            lock.unlock();
        }
    }

    private void adopt() {
        limit = policy.limit();
        freed.signalAll();
    }

    /** How many may send at once now. */
    public int limit() {
        return limit;
    }

    /** The configured maximum. */
    public int max() {
        return max;
    }

    /** The most permits ever held at once. */
    public int highWater() {
        lock.lock();
        try {
            return highWater;
        } finally {
            lock.unlock();
        }
    }
}
