package io.chute.queue;

import io.chute.stability.StableFile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounded hand-off between the stability gate and the uploader pool.
 * <ul>
 * <li>{@link #offer} never blocks: when the queue is full it answers false and the caller keeps the file for
 * a later try (the next tick or scan finds it again), so discovery is never stalled and nothing is dropped.</li>
 * <li>It holds what it is given: that a path is offered at most once at a time is the file lifecycle's
 * promise ({@code io.chute.lifecycle.FileLifecycle}), kept before a file reaches the queue.</li>
 * <li>Fair between rules (round robin over rules), oldest first within a rule: ordered by when the file was
 * first seen, so a burst handed over by the gate in arbitrary order still goes out in arrival order.</li>
 * </ul>
 * Thread-safe.
 */
public final class UploadQueue {

    private final int capacity;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private static final Comparator<Entry> OLDEST_FIRST =
            Comparator.comparing((Entry e) -> e.file().seenAt()).thenComparingLong(Entry::sequence);
    private final Map<String, PriorityQueue<Entry>> byRule = new LinkedHashMap<>();
    private int queued;
    private int nextRule;
    private long sequence;

    private record Entry(StableFile file, Instant queuedAt, long sequence) {
    }

    public UploadQueue(int capacity, Clock clock) {
        this.capacity = capacity;
        this.clock = clock;
    }

    /** Queues the file unless the queue is full; returns whether it was queued. */
    public boolean offer(StableFile file) {
        lock.lock();
        try {
            if (queued >= capacity) {
                return false;
            }
            byRule.computeIfAbsent(file.rule().name(), k -> new PriorityQueue<>(OLDEST_FIRST))
                    .add(new Entry(file, clock.instant(), sequence++));
            queued++;
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the next file, waiting at most {@code timeout}; empty when none arrived. */
    public Optional<StableFile> poll(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (queued == 0) {
                if (nanos <= 0) {
                    return Optional.empty();
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            return Optional.of(takeRoundRobin());
        } finally {
            lock.unlock();
        }
    }

    private StableFile takeRoundRobin() {
        List<PriorityQueue<Entry>> rules = new ArrayList<>(byRule.values());
        for (int i = 0; i < rules.size(); i++) {
            PriorityQueue<Entry> waiting = rules.get((nextRule + i) % rules.size());
            if (!waiting.isEmpty()) {
                nextRule = (nextRule + i + 1) % rules.size();
                queued--;
                return waiting.poll().file();
            }
        }
        throw new IllegalStateException("queued count " + queued + " but every rule queue is empty");
    }

    /** A waiting file and its position in the order workers would take files (1 = next). */
    public record Queued(StableFile file, Instant queuedAt, int position) {
    }

    /** Snapshot of the waiting files in the order the round robin would hand them out. */
    public List<Queued> queued() {
        lock.lock();
        try {
            List<PriorityQueue<Entry>> rules = new ArrayList<>(byRule.values());
            List<java.util.Iterator<Entry>> cursors = new ArrayList<>();
            for (int i = 0; i < rules.size(); i++) {
                List<Entry> sorted = new ArrayList<>(rules.get((nextRule + i) % rules.size()));
                sorted.sort(OLDEST_FIRST);
                cursors.add(sorted.iterator());
            }
            List<Queued> order = new ArrayList<>(queued);
            boolean any = true;
            while (any) {
                any = false;
                for (java.util.Iterator<Entry> cursor : cursors) {
                    if (cursor.hasNext()) {
                        Entry e = cursor.next();
                        order.add(new Queued(e.file(), e.queuedAt(), order.size() + 1));
                        any = true;
                    }
                }
            }
            return order;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the queue is under half full: room for what a rescan of a backlogged rule finds. */
    public boolean hasRoom() {
        return depth() < capacity / 2;
    }

    /** Files waiting to be taken. */
    public int depth() {
        lock.lock();
        try {
            return queued;
        } finally {
            lock.unlock();
        }
    }

    /** Age of the oldest waiting file in seconds, 0 when none waits. */
    public double oldestAgeSeconds() {
        lock.lock();
        try {
            Instant now = clock.instant();
            return byRule.values().stream()
                    .filter(d -> !d.isEmpty())
                    .flatMap(java.util.Collection::stream)
                    .mapToDouble(e -> Duration.between(e.queuedAt(), now).toMillis() / 1000.0)
                    .max().orElse(0);
        } finally {
            lock.unlock();
        }
    }
}
