package io.chute.upload;

import io.chute.stability.StableFile;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Holds files that wait (a failed attempt backing off, or a paused rule) and hands each to {@code due} when its
 * time comes, on the timer's own thread. Files due in the same {@value #GRAIN_MILLIS} ms slot share one task: a
 * paused rule's files all wait for the same instant (the pause's end), so 10,000 of them cost one task, not
 * 10,000. At most {@code capacity} files wait here; beyond that, and once {@link #close} ran (shutdown),
 * {@link #hold} refuses and the caller leaves the file on disk, where a later scan finds it.
 */
public final class RetryTimer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RetryTimer.class);

    static final long GRAIN_MILLIS = 100;

    private final int capacity;
    private final ScheduledExecutorService executor;
    private final Consumer<StableFile> due;
    private final Map<Long, List<StableFile>> bySlot = new ConcurrentHashMap<>();
    private final AtomicInteger waiting = new AtomicInteger();

    /** {@code threads} makes the timer's one thread; {@code due} runs on it. */
    public RetryTimer(int capacity, ThreadFactory threads, Consumer<StableFile> due) {
        this.capacity = capacity;
        this.executor = Executors.newSingleThreadScheduledExecutor(threads);
        this.due = due;
    }

    /** Holds {@code file} for {@code delay}; false when the timer is full or closed (nothing is held then). */
    public boolean hold(StableFile file, Duration delay) {
        if (waiting.incrementAndGet() > capacity || executor.isShutdown()) {
            waiting.decrementAndGet();
            return false;
        }
        long now = TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
        long slot = (now + delay.toMillis() + GRAIN_MILLIS - 1) / GRAIN_MILLIS;
        boolean[] held = {true};
        bySlot.compute(slot, (s, batch) -> {
            if (batch == null) {
                try {
                    executor.schedule(() -> release(s), Math.max(0, s * GRAIN_MILLIS - now), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closed) {
                    held[0] = false;
                    return null;
                }
                batch = new ArrayList<>();
            }
            batch.add(file);
            return batch;
        });
        if (!held[0]) {
            waiting.decrementAndGet();
        }
        return held[0];
    }

    private void release(long slot) {
        List<StableFile> batch = bySlot.remove(slot);
        for (StableFile file : batch == null ? List.<StableFile>of() : batch) {
            waiting.decrementAndGet();
            try {
                due.accept(file);
            } catch (RuntimeException bug) {
                // one file's failure must not strand the rest of the batch; this one stays on disk for a scan
                LOG.errorf(bug, "rule=%s path=%s could not be handed back after its wait; a later scan finds it",
                        file.rule().name(), file.path());
            }
        }
    }

    /** Files waiting now. */
    public int waiting() {
        return waiting.get();
    }

    /** Stops the timer: files still waiting stay on disk for the next start; {@link #hold} refuses from now on. */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
