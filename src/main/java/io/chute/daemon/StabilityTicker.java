package io.chute.daemon;

import io.chute.stability.StabilityGate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Drives the stability gate from one thread: a sweep ({@link StabilityGate#tick} and whatever the caller adds)
 * every {@code sweepEvery}, and between sweeps a {@link StabilityGate#tickDue} at the moment the earliest quiet
 * period ends, so a file waits its quiet period and not up to one more sweep interval. A file tracked after the
 * next wake-up was planned cannot be missed: its quiet period (at least the sweep interval, by validation) ends
 * after the next sweep, which plans again.
 */
final class StabilityTicker {

    /** Due looks closer together than this are taken in one wake-up (the later one a little late). */
    private static final Duration MIN_WAKE = Duration.ofMillis(5);

    private final ScheduledExecutorService executor;
    private final Duration sweepEvery;
    private final Runnable sweep;
    private final StabilityGate gate;
    private final Clock clock;
    private final Runnable guardedTurn;
    /** On the monotonic clock: a step of the wall clock neither stalls the sweeps nor runs them back to back. */
    private long nextSweepNanos;

    /**
     * @param sweep the full tick (the gate's and the caller's own periodic work)
     * @param guard wraps each turn so that a failure is reported and the next turn still comes
     *              ({@link ChuteThreads#guarded})
     */
    StabilityTicker(ScheduledExecutorService executor, Duration sweepEvery, Runnable sweep, StabilityGate gate,
            Clock clock, UnaryOperator<Runnable> guard) {
        this.executor = executor;
        this.sweepEvery = sweepEvery;
        this.sweep = sweep;
        this.gate = gate;
        this.clock = clock;
        this.guardedTurn = guard.apply(this::turn);
    }

    /** Starts with a sweep now. */
    void start() {
        nextSweepNanos = System.nanoTime();
        wakeIn(Duration.ZERO);
    }

    private void turn() {
        long now = System.nanoTime();
        if (now - nextSweepNanos >= 0) {
            nextSweepNanos = now + sweepEvery.toNanos();
            sweep.run();
        } else {
            gate.tickDue();
        }
    }

    /** One turn, then the plan for the next; the plan is made even when the turn failed. */
    private void turnAndPlan() {
        try {
            guardedTurn.run();
        } finally {
            Duration toSweep = Duration.ofNanos(nextSweepNanos - System.nanoTime());
            Instant now = clock.instant();
            Duration in = gate.nextDue().map(due -> Duration.between(now, due)).filter(d -> d.compareTo(toSweep) < 0)
                    .orElse(toSweep);
            wakeIn(in.compareTo(MIN_WAKE) < 0 ? MIN_WAKE : in);
        }
    }

    private void wakeIn(Duration delay) {
        try {
            executor.schedule(this::turnAndPlan, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            // the daemon is stopping: no further turns
        }
    }
}
