package io.chute.multipart;

import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A permit gate whose size moves between 1 and {@code max} from a starting point ({@link AimdLimit}), or stays
 * at its starting point when not adaptive. Lowering the limit revokes nothing: sends in flight finish, new ones wait until fewer than the
 * limit are in flight. Waiters are served first come, first served, so uploads that wait for part permits take
 * turns (a file's next part queues behind the parts other files asked for first). Any thread may call any method.
 */
public final class AdaptiveGate {

    private static final Logger LOG = Logger.getLogger(AdaptiveGate.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final AimdLimit policy;
    private final int max;
    private volatile int limit;
    private int inFlight;
    private int highWater;
    private volatile String name = "permits";
    /** Callers waiting for a permit, in arrival order, each on its own condition; only the first may take one. */
    private final Deque<Condition> waiters = new ArrayDeque<>();

    private AdaptiveGate(int initial, int max, AimdLimit policy) {
        this.max = max;
        this.policy = policy;
        this.limit = Math.max(1, Math.min(initial, max));
    }

    /** A gate of {@code max} permits that starts at {@code max} (tests, tools); see {@link #of(int, int, boolean, Clock)}. */
    public static AdaptiveGate of(int max, boolean adaptive, Clock clock) {
        return of(max, max, adaptive, clock);
    }

    /**
     * A gate that starts at {@code initial} permits and, when {@code adaptive}, moves between 1 and {@code max},
     * judging overload statuses, throughput and per-byte latency: for sends of similar size (parts). Not
     * adaptive, it stays at {@code initial}.
     */
    public static AdaptiveGate of(int initial, int max, boolean adaptive, Clock clock) {
        return new AdaptiveGate(initial, max,
                adaptive ? new AimdLimit(AimdLimit.Settings.of(initial, max), clock) : null);
    }

    /**
     * As {@link #of(int, int, boolean, Clock)}, without the latency rule: for sends whose sizes differ widely
     * (whole files), where a window of small ones would look like a latency rise.
     */
    public static AdaptiveGate ignoringLatency(int initial, int max, boolean adaptive, Clock clock) {
        return new AdaptiveGate(initial, max,
                adaptive ? new AimdLimit(AimdLimit.Settings.of(initial, max).ignoringLatency(), clock) : null);
    }

    static AdaptiveGate of(AimdLimit.Settings settings, Clock clock) {
        return new AdaptiveGate(settings.initial(), settings.max(), new AimdLimit(settings, clock));
    }

    /**
     * Waits until this caller is the longest waiting and fewer than the limit are in flight, then takes a permit.
     * Each waiter parks on a condition of its own and only the head of the queue is woken, so a released permit
     * wakes one thread, not every waiter (dozens of uploader threads may wait here).
     */
    public void acquire() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            if (waiters.isEmpty() && inFlight < limit) {
                take();
                return;
            }
            if (policy != null) {
                policy.limitReached(); // demand exceeds the limit: evidence a higher one could be used
            }
            Condition mine = lock.newCondition();
            waiters.addLast(mine);
            try {
                while (waiters.peekFirst() != mine || inFlight >= limit) {
                    mine.await();
                }
            } catch (InterruptedException e) {
                waiters.remove(mine);
                wakeHead(); // the next waiter may be first now
                throw e;
            }
            waiters.removeFirst();
            take();
            wakeHead(); // the next waiter may take a permit too
        } finally {
            lock.unlock();
        }
    }

    private void take() {
        inFlight++;
        highWater = Math.max(highWater, inFlight);
    }

    /** Wakes the longest waiting caller when a permit is free for it. Under the lock. */
    private void wakeHead() {
        Condition head = waiters.peekFirst();
        if (head != null && inFlight < limit) {
            head.signal();
        }
    }

    /** Returns a permit taken by {@link #acquire}. */
    public void release() {
        lock.lock();
        try {
            inFlight--;
            wakeHead();
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
        int adopted = policy.limit();
        if (adopted != limit) {
            LOG.debugf("%s limit %d -> %d (in flight %d, ceiling %d)", name, limit, adopted, inFlight, max);
        }
        limit = adopted;
        wakeHead();
    }

    /** Names what this gate admits ("parts", "files") in its log lines; returns this gate. */
    public AdaptiveGate named(String what) {
        this.name = what;
        return this;
    }

    /** How many may send at once now. */
    public int limit() {
        return limit;
    }

    /** The ceiling the limit never exceeds. */
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
