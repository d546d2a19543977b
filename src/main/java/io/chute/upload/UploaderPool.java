package io.chute.upload;

import io.chute.completion.Completion;
import io.chute.config.DropRule;
import io.chute.lifecycle.FileLifecycle;
import io.chute.lifecycle.FileState;
import io.chute.multipart.AdaptiveGate;
import io.chute.queue.DiskBacklog;
import io.chute.queue.UploadQueue;
import io.chute.stability.StableFile;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The bounded uploader pool: {@code workers} named threads take files from the queue, run one attempt each and
 * act on the outcome ({@link OutcomeActions}). Each attempt holds a permit of its connection's files-in-flight
 * gate, which adapts to the endpoint; a worker waiting for one holds its file (the queue is one FIFO for all
 * connections). A file taken from the queue is released from the {@link FileLifecycle} in exactly one place,
 * {@link #process}, unless the outcome handed it over (to the retry timer or back to the stability gate).
 * <p>
 * An uncaught {@link Error} kills its worker (the thread's handler latches the fatal error and liveness turns
 * DOWN); a {@link RuntimeException} costs only the attempt.
 */
public final class UploaderPool implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(UploaderPool.class);
    private static final Duration POLL = Duration.ofMillis(500);

    /** Outcome notifications for metrics and status; called on worker threads. */
    public interface Listener {
        default void started(StableFile file) {
        }

        default void finished(StableFile file, UploadOutcome outcome, Duration took) {
        }

        default void quarantined(StableFile file, String reason) {
        }

        /**
         * The file was left untouched because its path no longer leads to the file found stable inside the rule's
         * folder; {@code reason} is {@code outside_root} or {@code identity_changed}.
         */
        default void kept(StableFile file, String reason) {
        }

        /** The file waits without a request for its rule's pause to end, then goes back to the gate. */
        default void waitingForRule(StableFile file, UploadOutcome.RetryLater pause, Duration delay) {
        }

        /** The file failed and is retried after {@code delay} (rule-wide failures pause the whole rule). */
        default void retrying(StableFile file, UploadOutcome.RetryLater failure, Duration delay) {
        }
    }

    /** How many workers, how often a file is tried and how long it waits between tries. */
    public record Settings(int workers, int maxAttempts, Backoff backoff) {
    }

    /**
     * Where the pool takes files from and hands them to: the queue; the lifecycle every file is held in; each
     * rule's uploader and files-in-flight gate (of its S3 connection); completion; rule health; the state dir's
     * health, which every upload waits for; the retry timer;
     * {@code backToGate}, which gives a file back to the stability gate (or leaves it on disk when the gate is
     * full); the backlog that records rules with files left on disk; and the listener.
     */
    public record Wiring(UploadQueue queue, FileLifecycle lifecycle, Function<DropRule, Uploader> uploader,
                         Function<DropRule, AdaptiveGate> fileGate, Completion completion, RuleHealth ruleHealth,
                         StateDirHealth stateDir, RetryTimer retryTimer, Consumer<StableFile> backToGate,
                         DiskBacklog backlog, Listener listener) {
    }

    private final Settings settings;
    private final Wiring wiring;
    private final Thread.UncaughtExceptionHandler onDeath;
    /** Failed attempts per file; kept while it waits to retry, also on disk, so quarantine still comes. */
    private final Map<Path, Integer> attempts = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    /** {@code onDeath} is every worker thread's uncaught-exception handler. */
    public UploaderPool(Settings settings, Wiring wiring, Thread.UncaughtExceptionHandler onDeath) {
        this.settings = settings;
        this.wiring = wiring;
        this.onDeath = onDeath;
    }

    public void start() {
        for (int i = 0; i < settings.workers(); i++) {
            Thread t = new Thread(this::workLoop, "chute-upload-" + i);
            t.setDaemon(false);
            t.setUncaughtExceptionHandler(onDeath);
            threads.add(t);
            t.start();
        }
    }

    private void workLoop() {
        while (running) {
            Optional<StableFile> next;
            try {
                next = wiring.queue().poll(POLL);
            } catch (InterruptedException shutdown) {
                return;
            }
            next.ifPresent(this::process);
        }
    }

    /**
     * Runs one attempt with the logging context {@code rule} and {@code path} set on this thread (MDC): JSON
     * logs carry them as fields, and the engine's lines, which know only bucket, key and upload id, name them.
     * The one place a file leaves the lifecycle after a worker took it, unless it was handed over.
     */
    private void process(StableFile file) {
        MDC.put("rule", file.rule().name());
        MDC.put("path", file.path().toString());
        boolean handedOver = false;
        try {
            handedOver = attempt(file);
        } catch (RuntimeException bug) {
            // Whatever failed (a listener, the bookkeeping), the file must not stay held: the next scan finds it.
            LOG.errorf(bug, "rule=%s path=%s unexpected error; the file is released for the next scan",
                    file.rule().name(), file.path());
        } finally {
            if (!handedOver) {
                wiring.lifecycle().forget(file.path());
            }
            MDC.remove("rule");
            MDC.remove("path");
        }
    }

    /** One attempt and what follows it; returns whether the file was handed over. */
    private boolean attempt(StableFile file) {
        OutcomeActions actions = new OutcomeActions(file, this);
        Optional<StateDirHealth.Pause> stateDirDown = wiring.stateDir().admit();
        if (stateDirDown.isPresent()) {
            return actions.waitOutStateDir(stateDirDown.get());
        }
        Optional<RuleHealth.Pause> paused = wiring.ruleHealth().pausedFor(file.rule().name());
        if (paused.isPresent()) {
            return actions.waitOutPause(paused.get());
        }
        AdaptiveGate gate = wiring.fileGate().apply(file.rule());
        try {
            gate.acquire();
        } catch (InterruptedException shutdown) {
            Thread.currentThread().interrupt(); // the worker loop ends at its next poll
            return false;
        }
        // The rule may have paused while this worker waited for its permit: then no request either.
        paused = wiring.ruleHealth().pausedFor(file.rule().name());
        if (paused.isPresent()) {
            gate.release();
            return actions.waitOutPause(paused.get());
        }
        UploadOutcome outcome;
        long start = System.nanoTime();
        try {
            wiring.lifecycle().move(file.path(), FileState.UPLOADING);
            wiring.listener().started(file);
            outcome = uploadCatchingBugs(file);
        } finally {
            gate.release();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        wiring.listener().finished(file, outcome, took);
        if (outcome instanceof UploadOutcome.Completed done) {
            gate.succeeded(done.proof().sizeInBytes(), took);
        }
        return outcome.accept(actions);
    }

    private UploadOutcome uploadCatchingBugs(StableFile file) {
        try {
            return wiring.uploader().apply(file.rule()).attempt(file);
        } catch (RuntimeException bug) {
            // Never strand a file: an unexpected error is one failed attempt like any other.
            LOG.errorf(bug, "rule=%s path=%s unexpected error during upload", file.rule().name(), file.path());
            return new UploadOutcome.RetryLater(FailureReason.UNKNOWN, bug.toString(), false);
        }
    }

    Settings settings() {
        return settings;
    }

    Wiring wiring() {
        return wiring;
    }

    /** Counts a failed attempt of {@code file}; returns the count so far. */
    int failedAttempt(Path file) {
        return attempts.merge(file, 1, Integer::sum);
    }

    int attemptsOf(Path file) {
        return attempts.getOrDefault(file, 1);
    }

    /** The file's attempts end (uploaded, quarantined, changed, gone): a later version starts counting afresh. */
    void settled(Path file) {
        attempts.remove(file);
    }

    /** Files waiting on the retry timer: failed attempts backing off and files waiting out their rule's pause. */
    public int waitingToRetry() {
        return wiring.retryTimer().waiting();
    }

    /** Whether every worker thread is alive; liveness reports DOWN otherwise. */
    public boolean allWorkersAlive() {
        return running && threads.stream().allMatch(Thread::isAlive);
    }

    /** Stops taking files, waits up to {@code grace} for attempts in progress, then interrupts the workers. */
    public void stop(Duration grace) throws InterruptedException {
        running = false;
        long deadline = System.nanoTime() + grace.toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        threads.forEach(Thread::interrupt);
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(1));
    }
}
