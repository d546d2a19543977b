package io.chute.stability;

import io.chute.config.DropRule;
import io.chute.watch.CandidateFilter;
import io.chute.watch.FileSeen;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Holds each seen file until it is stable, measured on Chute's own clock (an old mtime on a freshly copied file
 * does not make it stable early). The file's identity (size, mtime, file key) is read when it is tracked and
 * again at every look; a look that finds another identity restarts the wait:
 * <ul>
 * <li>quiet-period mode: its identity stayed unchanged for the rule's quiet period, from the look that last saw
 *     it change (or from tracking) to a look at least a quiet period later;</li>
 * <li>marker mode: its marker ({@code x.done}) exists and its identity was unchanged since the previous look;</li>
 * <li>rename mode ({@code stability: rename}, the operator's declaration that writers rename finished files
 *     into place): at the first tick that looks at it, or, once it was seen changing, when its identity
 *     was unchanged since the previous look.</li>
 * </ul>
 * Looks happen at every {@link #tick} (all tracked files, for changes and overdue reports) and, for quiet-period
 * files, at {@link #tickDue} when their quiet period ends ({@link #nextDue}), so a file is handed over when its
 * quiet period ends rather than at the next tick after that.
 * A file still not stable after the rule's max-stabilize is reported once (log, listener) and kept tracked.
 * <p>
 * {@link #seen} may be called from any thread; {@link #tick} from one thread at a time (the gate's scheduler).
 * A stable file whose hand-off is refused (queue full, already in flight) stays tracked and is offered again
 * on the next tick: "not accepted" means "try again later", never "drop".
 * <p>
 * The gate tracks at most {@code capacity} files. {@link #track} refuses a file while it is full: the caller
 * leaves it on disk and has its rule rescanned when the gate has room again, so memory does not grow with the
 * number of files waiting. Whoever calls {@link #track} holds the file in the file lifecycle (so it is never
 * tracked for two reasons at once); the gate only measures stability.
 */
public final class StabilityGate {

    private static final Logger LOG = Logger.getLogger(StabilityGate.class);

    /** Receives stable files; returns false when it cannot take the file now. */
    public interface Sink extends Predicate<StableFile> {
    }

    /** Gate incidents for metrics. */
    public interface Listener {
        /** The file did not become stable within its rule's max-stabilize; reported once per file. */
        default void notStabilizing(DropRule rule) {
        }
    }

    /** A file the gate is holding, and why, for the status API. */
    public record Waiting(DropRule rule, Path path, Instant firstSeen, Instant unchangedSince, String reason) {
    }

    private final Clock clock;
    private final Sink sink;
    private final Listener listener;
    private final Map<Path, Tracked> tracked = new ConcurrentHashMap<>();
    /** Quiet-period files by the end of their quiet period; at most one entry per file (guarded by itself). */
    private final PriorityQueue<Tracked> due = new PriorityQueue<>((a, b) -> a.dueAt.compareTo(b.dueAt));
    private final int capacity;
    private final Consumer<FileSeen> dropped;

    private static final class Tracked {
        final FileSeen seen;
        final Instant firstSeen;
        volatile FileIdentity identity;
        volatile Instant unchangedSince;
        volatile boolean reportedOverdue;
        /** Whether a tick has looked at it (rename mode's "first look"). */
        volatile boolean ticked;
        /** When it was put in {@link #due}: the queue's order; fixed while it is queued. */
        Instant dueAt;
        boolean queued;

        Tracked(FileSeen seen, Instant now, FileIdentity identity) {
            this.seen = seen;
            this.firstSeen = now;
            this.unchangedSince = now;
            this.identity = identity;
        }

        boolean waitsForQuietPeriod() {
            return seen.rule().marker().isEmpty() && !seen.rule().trustsVisibleFiles();
        }

        Instant quietUntil() {
            return unchangedSince.plus(seen.rule().quietPeriod());
        }
    }

    /**
     * @param sink     receives each stable file; answering false keeps it tracked for the next tick
     * @param dropped  told about a tracked file that vanished or became a link or special file (no longer a
     *                 candidate): the gate forgets it and so must its holder
     * @param capacity most files tracked at once
     */
    public StabilityGate(Clock clock, Sink sink, Consumer<FileSeen> dropped, Listener listener, int capacity) {
        this.clock = clock;
        this.sink = sink;
        this.dropped = dropped;
        this.listener = listener;
        this.capacity = capacity;
    }

    /** A gate without a bound that tells nobody about dropped files (tests of one behaviour). */
    public StabilityGate(Clock clock, Sink sink, Listener listener) {
        this(clock, sink, f -> { }, listener, Integer.MAX_VALUE);
    }

    public StabilityGate(Clock clock, Sink sink) {
        this(clock, sink, new Listener() {
        });
    }

    /**
     * Starts (or keeps) tracking a file; true when it is tracked. Idempotent: repeated calls for a tracked file
     * change nothing. False while the gate is full (the size check is approximate under concurrent calls, by at
     * most the number of calling threads): the caller leaves the file on disk for a later rescan.
     */
    public boolean track(FileSeen file) {
        if (tracked.containsKey(file.path())) {
            return true;
        }
        if (tracked.size() >= capacity) {
            return false;
        }
        tracked.computeIfAbsent(file.path(), p -> {
            Tracked t = new Tracked(file, clock.instant(), identityOrNull(p));
            schedule(t);
            return t;
        });
        return true;
    }

    /** The identity now, or null when it cannot be read (the next look decides: gone, special or unreadable). */
    private static FileIdentity identityOrNull(Path path) {
        try {
            return FileIdentity.of(path);
        } catch (IOException notNow) {
            return null;
        }
    }

    /** Queues a quiet-period file for a look when its quiet period ends (unless it is queued already). */
    private void schedule(Tracked t) {
        if (!t.waitsForQuietPeriod()) {
            return;
        }
        synchronized (due) {
            if (!t.queued) {
                t.dueAt = t.quietUntil();
                t.queued = true;
                due.add(t);
            }
        }
    }

    /** When the earliest quiet period of a tracked file ends: the moment to call {@link #tickDue}. */
    public Optional<Instant> nextDue() {
        synchronized (due) {
            Tracked first = due.peek();
            return first == null ? Optional.empty() : Optional.of(first.dueAt);
        }
    }

    /**
     * Looks at the quiet-period files whose quiet period has ended and hands over those still unchanged; a file
     * that changed meanwhile waits a new quiet period. Called from the same thread as {@link #tick}.
     */
    public void tickDue() {
        Instant now = clock.instant();
        List<Tracked> ended = new java.util.ArrayList<>();
        synchronized (due) {
            while (!due.isEmpty() && !due.peek().dueAt.isAfter(now)) {
                Tracked t = due.poll();
                t.queued = false;
                ended.add(t);
            }
        }
        for (Tracked t : ended) {
            if (tracked.get(t.seen.path()) != t) {
                continue; // handed over or dropped since
            }
            if (t.quietUntil().isAfter(now)) {
                schedule(t); // it changed after it was queued: its quiet period ends later
            } else {
                look(t, now, false);
            }
        }
    }

    /** Whether the gate could take many more files (under half full): the moment to rescan backlogged rules. */
    public boolean hasRoom() {
        return tracked.size() < capacity / 2;
    }

    /** Re-examines every tracked file and hands over those that are stable. */
    public void tick() {
        Instant now = clock.instant();
        for (Tracked t : tracked.values()) {
            look(t, now, true);
        }
    }

    /** One look at a tracked file: forgets it when gone, hands it over when stable, else keeps it. */
    private void look(Tracked t, Instant now, boolean fromTick) {
        DropRule rule = t.seen.rule();
        FileIdentity current;
        try {
            current = FileIdentity.of(t.seen.path());
        } catch (NoSuchFileException | FileIdentity.NotRegularFileException gone) {
            forget(t);
            return;
        } catch (IOException e) {
            LOG.debugf("rule=%s path=%s not readable yet: %s", rule.name(), t.seen.path(), e);
            return;
        }
        boolean firstLook = fromTick && !t.ticked;
        if (fromTick) {
            t.ticked = true;
        }
        boolean changed = !current.equals(t.identity);
        if (changed) {
            t.identity = current;
            t.unchangedSince = now;
            schedule(t);
        }
        if ((!changed || (firstLook && rule.trustsVisibleFiles())) && ready(t, now)) {
            if (!CandidateFilter.admits(rule, t.seen.path())) {
                forget(t); // replaced by a link or special file since it was seen
                return;
            }
            if (sink.test(new StableFile(rule, t.seen.path(), current, t.firstSeen))) {
                tracked.remove(t.seen.path(), t);
                return;
            }
        }
        reportIfOverdue(t, now);
    }

    private void forget(Tracked t) {
        if (tracked.remove(t.seen.path(), t)) {
            dropped.accept(t.seen);
        }
    }

    private boolean ready(Tracked t, Instant now) {
        DropRule rule = t.seen.rule();
        if (rule.marker().isPresent()) {
            return Files.exists(rule.markerOf(t.seen.path()).orElseThrow());
        }
        if (rule.trustsVisibleFiles()) {
            return true;
        }
        return Duration.between(t.unchangedSince, now).compareTo(rule.quietPeriod()) >= 0;
    }

    private void reportIfOverdue(Tracked t, Instant now) {
        DropRule rule = t.seen.rule();
        if (t.reportedOverdue || Duration.between(t.firstSeen, now).compareTo(rule.maxStabilize()) < 0) {
            return;
        }
        t.reportedOverdue = true;
        listener.notStabilizing(rule);
        LOG.warnf("rule=%s path=%s has not become stable within max-stabilize %s: %s", rule.name(), t.seen.path(),
                rule.maxStabilize(), reason(t));
    }

    private static String reason(Tracked t) {
        DropRule rule = t.seen.rule();
        String state;
        if (rule.marker().isPresent()) {
            state = "waiting for marker " + rule.markerOf(t.seen.path()).orElseThrow().getFileName();
        } else {
            FileIdentity id = t.identity;
            state = "changing; unchanged since " + t.unchangedSince + (id == null ? "" : " at " + id.sizeInBytes() + " bytes");
        }
        return t.reportedOverdue ? "not stable after max-stabilize " + rule.maxStabilize() + ": " + state : state;
    }

    /** Snapshot of the files the gate holds, with the reason each is not uploaded yet. */
    public List<Waiting> waiting() {
        return tracked.values().stream()
                .map(t -> new Waiting(t.seen.rule(), t.seen.path(), t.firstSeen, t.unchangedSince, reason(t)))
                .toList();
    }

    /** Files being watched for stability. */
    public int trackedCount() {
        return tracked.size();
    }

    /** Files tracked longer than their rule's max-stabilize. */
    public long overdueCount() {
        return tracked.values().stream().filter(t -> t.reportedOverdue).count();
    }
}
