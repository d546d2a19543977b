package io.chute.upload;

import io.chute.checkpoint.StateDirProbe;
import io.chute.checkpoint.StateDirUnavailableException;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether Chute's state dir can be written, shared by every rule: every upload may need it (the ledger before a
 * multipart upload is created, sidecars kept there, receipts of kept files, the default quarantine), so while it
 * fails every upload pauses (nothing is quarantined for it) with a growing, jittered pause, readiness reports it,
 * and one line is logged when it goes down and one when it comes back. When a pause ends, the next upload first
 * writes a probe block ({@link StateDirProbe}); uploads resume by themselves once that succeeds. Thread-safe.
 */
public final class StateDirHealth {

    private static final Logger LOG = Logger.getLogger(StateDirHealth.class);
    /** Equal jitter: half the capped exponential, plus up to the other half, so a pause is never near zero. */
    static final Backoff PAUSES = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(2),
            bound -> bound / 2 + ThreadLocalRandom.current().nextLong(bound / 2 + 1));

    /** Since when the state dir fails, why, and until when uploads pause. */
    public record Down(Path stateDir, String detail, Instant since, Instant pausedUntil, int failures) {
    }

    /** The pause in force and how much of it is left. */
    public record Pause(Down down, Duration remaining) {
    }

    /** Writes the probe; throws when the state dir cannot be written. */
    interface Probe {
        void check(Path stateDir) throws StateDirUnavailableException;
    }

    private final Path stateDir;
    private final Clock clock;
    private final Probe probe;
    private final AtomicReference<Down> down = new AtomicReference<>();
    private final AtomicLong failures = new AtomicLong();

    public StateDirHealth(Path stateDir, Clock clock) {
        this(stateDir, clock, StateDirProbe::check);
    }

    StateDirHealth(Path stateDir, Clock clock, Probe probe) {
        this.stateDir = stateDir;
        this.clock = clock;
        this.probe = probe;
    }

    /** Records a failed write; returns how long uploads pause. Logs only the transition from up to down. */
    public Duration failed(String detail) {
        failures.incrementAndGet();
        Instant now = clock.instant();
        Down next = down.updateAndGet(old -> {
            int count = old == null ? 1 : old.failures() + 1;
            return new Down(stateDir, detail, old == null ? now : old.since(), now.plus(PAUSES.delay(count)), count);
        });
        if (next.failures() == 1) {
            LOG.errorf("state dir %s unavailable, uploads pause (nothing is quarantined for it) and resume by"
                    + " themselves once it can be written again: %s", stateDir, detail);
        } else {
            LOG.debugf("state dir %s still cannot be written (%s); next probe in %d ms", stateDir, detail,
                    Duration.between(now, next.pausedUntil()).toMillis());
        }
        return Duration.between(now, next.pausedUntil());
    }

    /**
     * Whether an upload may start now: empty when the state dir is up, or was down, its pause is over and a probe
     * write succeeds (then it is up again); otherwise the pause to wait out.
     */
    public Optional<Pause> admit() {
        Down current = down.get();
        if (current == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (current.pausedUntil().isAfter(now)) {
            return Optional.of(new Pause(current, Duration.between(now, current.pausedUntil())));
        }
        try {
            probe.check(stateDir);
        } catch (StateDirUnavailableException stillDown) {
            Duration pause = failed(stillDown.getMessage());
            return Optional.of(new Pause(down.get(), pause));
        }
        if (down.compareAndSet(current, null)) {
            LOG.infof("state dir %s can be written again after %d s; uploads resume", stateDir,
                    Duration.between(current.since(), now).toSeconds());
        }
        return Optional.empty();
    }

    /** The state dir's failure, if it is down. */
    public Optional<Down> down() {
        return Optional.ofNullable(down.get());
    }

    /** Failed writes and probes so far (a metric). */
    public long failures() {
        return failures.get();
    }

    public Path stateDir() {
        return stateDir;
    }
}
