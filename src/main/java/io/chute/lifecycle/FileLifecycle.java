package io.chute.lifecycle;

import io.chute.config.DropRule;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one owner of every file's state while the daemon holds it in memory: which files are held (a path is
 * held at most once, from {@link #discover} until {@link #forget}), in which {@link FileState}, since when and
 * why it waits. Moves follow {@link FileState}'s transition table; an illegal move throws
 * {@link IllegalTransitionException} (a bug, never a runtime condition). Memory is one entry per held file; the
 * gate, queue and retry-timer bounds bound it. Any thread may call any method.
 */
public final class FileLifecycle {

    /** One held file: its rule, state, when it entered that state, and the reason it waits (may be empty). */
    public record Entry(DropRule rule, Path path, FileState state, Instant since, String reason) {
    }

    /** A move the transition table does not allow, or a move of a file that is not held. */
    public static final class IllegalTransitionException extends IllegalStateException {
        IllegalTransitionException(String message) {
            super(message);
        }
    }

    private final Clock clock;
    private final Map<Path, Entry> held = new ConcurrentHashMap<>();
    private final Map<FileState, AtomicInteger> counts = new EnumMap<>(FileState.class);

    public FileLifecycle(Clock clock) {
        this.clock = clock;
        for (FileState s : FileState.values()) {
            counts.put(s, new AtomicInteger());
        }
    }

    /**
     * Starts holding {@code path} in {@link FileState#DISCOVERED}; false when it is already held (by any rule), so
     * a file is never picked twice.
     */
    public boolean discover(DropRule rule, Path path) {
        Entry fresh = new Entry(rule, path, FileState.DISCOVERED, clock.instant(), "");
        if (held.putIfAbsent(path, fresh) != null) {
            return false;
        }
        counts.get(FileState.DISCOVERED).incrementAndGet();
        return true;
    }

    /** Moves a held file to {@code next}, recording {@code reason} (empty when none). */
    public void move(Path path, FileState next, String reason) {
        held.compute(path, (p, current) -> {
            if (current == null) {
                throw new IllegalTransitionException(path + " is not held; cannot move it to " + next);
            }
            if (!current.state().canMoveTo(next)) {
                throw new IllegalTransitionException(path + " cannot move from " + current.state() + " to " + next
                        + " (allowed: " + current.state().successors() + ")");
            }
            counts.get(current.state()).decrementAndGet();
            counts.get(next).incrementAndGet();
            return new Entry(current.rule(), path, next, clock.instant(), reason == null ? "" : reason);
        });
    }

    /** As {@link #move(Path, FileState, String)} without a reason. */
    public void move(Path path, FileState next) {
        move(path, next, "");
    }

    /**
     * Moves the file to {@code next} only when it is held in {@code expected}; returns whether it moved. For
     * observers that see a step which may not apply to every file (verification of a one-shot upload).
     */
    public boolean moveIf(Path path, FileState expected, FileState next) {
        boolean[] moved = {false};
        held.computeIfPresent(path, (p, current) -> {
            if (current.state() != expected) {
                return current;
            }
            moved[0] = true;
            counts.get(expected).decrementAndGet();
            counts.get(next).incrementAndGet();
            return new Entry(current.rule(), path, next, clock.instant(), current.reason());
        });
        return moved[0];
    }

    /** Stops holding the file (finished, gone, or left on disk for a later scan); nothing when it is not held. */
    public void forget(Path path) {
        Entry removed = held.remove(path);
        if (removed != null) {
            counts.get(removed.state()).decrementAndGet();
        }
    }

    /** The lifecycle's clock now (the time its entries are stamped with). */
    public Instant now() {
        return clock.instant();
    }

    public boolean isHeld(Path path) {
        return held.containsKey(path);
    }

    public Optional<Entry> entry(Path path) {
        return Optional.ofNullable(held.get(path));
    }

    /** Files held in {@code state} now. */
    public int count(FileState state) {
        return counts.get(state).get();
    }

    /** Files held now, in any state. */
    public int size() {
        return held.size();
    }

    /** Up to {@code limit} files held in {@code state}, oldest in that state first. */
    public List<Entry> inState(FileState state, int limit) {
        List<Entry> found = new ArrayList<>();
        for (Entry e : held.values()) {
            if (e.state() == state) {
                found.add(e);
            }
        }
        found.sort((a, b) -> a.since().compareTo(b.since()));
        return found.size() > limit ? List.copyOf(found.subList(0, limit)) : found;
    }
}
