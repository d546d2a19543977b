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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Holds each seen file until it is stable, measured on Chute's own clock (an old mtime on a freshly copied file
 * does not make it stable early):
 * <ul>
 * <li>quiet-period mode: its identity (size, mtime, file key) stayed unchanged for the rule's quiet period;</li>
 * <li>marker mode: its marker ({@code x.done}) exists and its identity was unchanged between two ticks;</li>
 * <li>rename mode ({@code stability: rename}, the operator's declaration that writers rename finished files
 *     into place): at the first tick that reads its identity, or, once it was seen changing, when its identity
 *     was unchanged between two ticks.</li>
 * </ul>
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
    private final int capacity;
    private final Consumer<FileSeen> dropped;

    private static final class Tracked {
        final FileSeen seen;
        final Instant firstSeen;
        volatile FileIdentity identity;
        volatile Instant unchangedSince;
        volatile boolean reportedOverdue;

        Tracked(FileSeen seen, Instant now) {
            this.seen = seen;
            this.firstSeen = now;
            this.unchangedSince = now;
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
        tracked.computeIfAbsent(file.path(), p -> new Tracked(file, clock.instant()));
        return true;
    }

    /** Whether the gate could take many more files (under half full): the moment to rescan backlogged rules. */
    public boolean hasRoom() {
        return tracked.size() < capacity / 2;
    }

    /** Re-examines every tracked file and hands over those that are stable. */
    public void tick() {
        Instant now = clock.instant();
        for (Iterator<Tracked> it = tracked.values().iterator(); it.hasNext(); ) {
            Tracked t = it.next();
            DropRule rule = t.seen.rule();
            FileIdentity current;
            try {
                current = FileIdentity.of(t.seen.path());
            } catch (NoSuchFileException | FileIdentity.NotRegularFileException gone) {
                it.remove();
                dropped.accept(t.seen);
                continue;
            } catch (IOException e) {
                LOG.debugf("rule=%s path=%s not readable yet: %s", rule.name(), t.seen.path(), e);
                continue;
            }
            boolean firstLook = t.identity == null;
            boolean changed = !current.equals(t.identity);
            if (changed) {
                t.identity = current;
                t.unchangedSince = now;
            }
            if ((!changed || (firstLook && rule.trustsVisibleFiles())) && ready(t, now)) {
                if (!CandidateFilter.admits(rule, t.seen.path())) {
                    it.remove(); // replaced by a link or special file since it was seen
                    dropped.accept(t.seen);
                    continue;
                }
                if (sink.test(new StableFile(rule, t.seen.path(), current, t.firstSeen))) {
                    it.remove();
                    continue;
                }
            }
            reportIfOverdue(t, now);
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
