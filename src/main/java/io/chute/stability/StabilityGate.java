package io.chute.stability;

import io.chute.watch.FileSeen;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Holds each seen file until its identity (size, mtime, file key) stayed unchanged for the rule's quiet
 * period, measured on Chute's own clock: an old mtime on a freshly copied file does not make it stable early.
 * <p>
 * {@link #seen} may be called from any thread; {@link #tick} from one thread at a time (the gate's scheduler).
 * A stable file whose hand-off is refused (queue full, already in flight) stays tracked and is offered again
 * on the next tick: "not accepted" means "try again later", never "drop".
 */
public final class StabilityGate {

    private static final Logger LOG = Logger.getLogger(StabilityGate.class);

    /** Receives stable files; returns false when it cannot take the file now. */
    public interface Sink extends Predicate<StableFile> {
    }

    private final Clock clock;
    private final Sink sink;
    private final Predicate<Path> alreadyHandled;
    private final Map<Path, Tracked> tracked = new ConcurrentHashMap<>();

    private static final class Tracked {
        final FileSeen seen;
        final Instant firstSeen;
        FileIdentity identity;
        Instant unchangedSince;

        Tracked(FileSeen seen, Instant now) {
            this.seen = seen;
            this.firstSeen = now;
            this.unchangedSince = now;
        }
    }

    /**
     * @param alreadyHandled true for paths that need no stability tracking now (in flight or waiting to retry)
     */
    public StabilityGate(Clock clock, Sink sink, Predicate<Path> alreadyHandled) {
        this.clock = clock;
        this.sink = sink;
        this.alreadyHandled = alreadyHandled;
    }

    /** Starts (or keeps) tracking a file. Idempotent: repeated events for a tracked file change nothing. */
    public void seen(FileSeen file) {
        if (alreadyHandled.test(file.path())) {
            return;
        }
        tracked.computeIfAbsent(file.path(), p -> new Tracked(file, clock.instant()));
    }

    /** Re-examines every tracked file and hands over those that are stable. */
    public void tick() {
        Instant now = clock.instant();
        for (Iterator<Tracked> it = tracked.values().iterator(); it.hasNext(); ) {
            Tracked t = it.next();
            FileIdentity current;
            try {
                current = FileIdentity.of(t.seen.path());
            } catch (NoSuchFileException gone) {
                it.remove();
                continue;
            } catch (IOException e) {
                LOG.debugf("rule=%s path=%s not readable yet: %s", t.seen.rule().name(), t.seen.path(), e);
                continue;
            }
            if (!current.equals(t.identity)) {
                t.identity = current;
                t.unchangedSince = now;
                continue;
            }
            Duration quiet = Duration.between(t.unchangedSince, now);
            if (quiet.compareTo(t.seen.rule().quietPeriod()) >= 0
                    && sink.test(new StableFile(t.seen.rule(), t.seen.path(), current, t.firstSeen))) {
                it.remove();
            }
        }
    }

    /** A file the gate is holding, and why, for the status API. */
    public record Waiting(io.chute.config.DropRule rule, Path path, Instant firstSeen, Instant unchangedSince,
                          String reason) {
    }

    /** Snapshot of the files the gate holds. */
    public java.util.List<Waiting> waiting() {
        return tracked.values().stream()
                .map(t -> new Waiting(t.seen.rule(), t.seen.path(), t.firstSeen, t.unchangedSince,
                        "stabilizing: unchanged since " + t.unchangedSince))
                .toList();
    }

    /** Files being watched for stability. */
    public int trackedCount() {
        return tracked.size();
    }
}
