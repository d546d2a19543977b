package io.chute.upload;

import io.chute.completion.Completion;
import io.chute.config.DropRule;
import io.chute.multipart.AdaptiveGate;
import io.chute.queue.DiskBacklog;
import io.chute.queue.UploadQueue;
import io.chute.stability.StableFile;
import io.chute.watch.FileSeen;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The bounded uploader pool: {@code workers} named threads take files from the queue, run one attempt each and
 * act on the outcome. Per-file retries back off exponentially (the path stays in flight meanwhile); a file that
 * exhausts its attempts is quarantined; rule-wide failures pause the rule without counting an attempt. Each
 * attempt holds a permit of its connection's files-in-flight gate, which adapts to the endpoint; a worker
 * waiting for one holds its file (the queue is one FIFO for all connections).
 */
public final class UploaderPool implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(UploaderPool.class);

    /** Outcome notifications for metrics and status; called on worker threads. */
    public interface Listener {
        default void started(StableFile file) {
        }

        default void finished(StableFile file, UploadOutcome outcome, Duration took) {
        }

        default void quarantined(StableFile file, String reason) {
        }

        /** The file waits without a request for its rule's pause to end, then goes back to the gate. */
        default void waitingForRule(StableFile file, UploadOutcome.RetryLater pause, Duration delay) {
        }

        /** The file failed and is retried after {@code delay} (rule-wide failures pause the whole rule). */
        default void retrying(StableFile file, UploadOutcome.RetryLater failure, Duration delay) {
        }
    }

    /**
     * {@code maxWaitingToRetry} bounds the files held on the retry timer; beyond it a file due for a retry (or
     * waiting out its rule's pause) is left on disk and its rule recorded in the {@link DiskBacklog}.
     */
    public record Settings(int workers, int maxAttempts, Duration retryBackoff, Duration retryBackoffMax,
                           int maxWaitingToRetry) {
        public Settings(int workers, int maxAttempts, Duration retryBackoff, Duration retryBackoffMax) {
            this(workers, maxAttempts, retryBackoff, retryBackoffMax, Integer.MAX_VALUE);
        }
    }

    private final Settings settings;
    private final UploadQueue queue;
    /** The uploader of each rule's S3 connection. */
    private final Function<DropRule, FileUploader> uploader;
    /** The files-in-flight gate of each rule's S3 connection. */
    private final Function<DropRule, AdaptiveGate> fileGate;
    private final Completion completion;
    private final RuleHealth ruleHealth;
    private final Consumer<FileSeen> backToGate;
    private final ScheduledExecutorService retryTimer;
    private static final long DUE_GRAIN_MILLIS = 100;
    /** Files on the retry timer by due slot (monotonic milliseconds ÷ {@link #DUE_GRAIN_MILLIS}). */
    private final Map<Long, List<StableFile>> dueBySlot = new ConcurrentHashMap<>();
    private final Listener listener;
    private final DiskBacklog backlog;
    private final Map<java.nio.file.Path, Integer> attempts = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger waitingToRetry = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean running = true;

    public UploaderPool(Settings settings, UploadQueue queue, Function<DropRule, FileUploader> uploader,
                        Function<DropRule, AdaptiveGate> fileGate, Completion completion,
                        RuleHealth ruleHealth, Consumer<FileSeen> backToGate, ScheduledExecutorService retryTimer,
                        Listener listener) {
        this(settings, queue, uploader, fileGate, completion, ruleHealth, backToGate, retryTimer, listener, new DiskBacklog());
    }

    /** As above, leaving files beyond {@code settings.maxWaitingToRetry()} on disk, recorded in {@code backlog}. */
    public UploaderPool(Settings settings, UploadQueue queue, Function<DropRule, FileUploader> uploader,
                        Function<DropRule, AdaptiveGate> fileGate, Completion completion,
                        RuleHealth ruleHealth, Consumer<FileSeen> backToGate, ScheduledExecutorService retryTimer,
                        Listener listener,
                        DiskBacklog backlog) {
        this.settings = settings;
        this.queue = queue;
        this.uploader = uploader;
        this.fileGate = fileGate;
        this.completion = completion;
        this.ruleHealth = ruleHealth;
        this.backToGate = backToGate;
        this.retryTimer = retryTimer;
        this.listener = listener;
        this.backlog = backlog;
    }

    public void start() {
        for (int i = 0; i < settings.workers(); i++) {
            Thread t = new Thread(this::workLoop, "chute-upload-" + i);
            t.setDaemon(false);
            threads.add(t);
            t.start();
        }
    }

    private void workLoop() {
        while (running) {
            try {
                queue.poll(Duration.ofMillis(500)).ifPresent(this::process);
            } catch (InterruptedException e) {
                return; // shutdown
            } catch (RuntimeException e) {
                LOG.error("uploader worker caught an unexpected error; continuing", e);
            }
        }
    }

    /**
     * Runs one attempt with the logging context {@code rule} and {@code path} set on this thread (MDC): JSON
     * logs carry them as fields, and the engine's lines, which know only bucket, key and upload id, name them.
     */
    private void process(StableFile file) {
        MDC.put("rule", file.rule().name());
        MDC.put("path", file.path().toString());
        try {
            attempt(file);
        } catch (RuntimeException bug) {
            // Whatever failed (a listener, the bookkeeping), the file must not stay in flight: the next scan finds it.
            LOG.errorf(bug, "rule=%s path=%s unexpected error; the file is released for the next scan",
                    file.rule().name(), file.path());
            release(file);
        } finally {
            MDC.remove("rule");
            MDC.remove("path");
        }
    }

    private void attempt(StableFile file) {
        java.util.Optional<RuleHealth.Pause> paused = ruleHealth.pausedFor(file.rule().name());
        if (paused.isPresent()) {
            waitOutPause(file, paused.get());
            return;
        }
        AdaptiveGate gate = fileGate.apply(file.rule());
        try {
            gate.acquire();
        } catch (InterruptedException shutdown) {
            Thread.currentThread().interrupt(); // the worker loop ends at its next poll
            release(file);
            return;
        }
        listener.started(file);
        long start = System.nanoTime();
        UploadOutcome outcome;
        try {
            outcome = uploader.apply(file.rule()).attempt(file);
        } catch (RuntimeException bug) {
            // Never strand a file in flight: an unexpected error is one failed attempt like any other.
            LOG.errorf(bug, "rule=%s path=%s unexpected error during upload", file.rule().name(), file.path());
            outcome = new UploadOutcome.RetryLater(FailureReason.UNKNOWN, bug.toString(), false);
        } finally {
            gate.release();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        listener.finished(file, outcome, took);
        String rule = file.rule().name();
        if (outcome instanceof UploadOutcome.Completed done) {
            gate.succeeded(done.proof().sizeInBytes(), took);
            LOG.infof("rule=%s path=%s bucket=%s key=%s uploaded and verified (%s, %d bytes)%s", rule,
                    file.path(), done.proof().bucket(), done.proof().key(), done.proof().verifiedBy(),
                    done.proof().sizeInBytes(), done.resumed() ? ", resumed" : "");
            ruleHealth.succeeded(rule);
            finishQuietly(file, () -> completion.uploaded(file, done.proof()));
        } else if (outcome instanceof UploadOutcome.AlreadyDone) {
            finishQuietly(file, () -> completion.finish(file.rule(), file.path()));
        } else if (outcome instanceof UploadOutcome.RetryLater retry) {
            retryLater(file, retry);
        } else if (outcome instanceof UploadOutcome.Rejected rejected) {
            quarantine(file, rejected.reason().tag() + ": " + rejected.detail());
        } else if (outcome instanceof UploadOutcome.SourceChanged changed) {
            LOG.infof("rule=%s path=%s %s; waiting for it to be stable again", rule, file.path(), changed.detail());
            release(file);
            backToGate.accept(new FileSeen(file.rule(), file.path()));
        } else if (outcome instanceof UploadOutcome.SourceGone) {
            LOG.infof("rule=%s path=%s disappeared before its upload finished; nothing to do", rule, file.path());
            release(file);
        } else {
            release(file); // Interrupted: the checkpoint stays for the next start
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private void finishQuietly(StableFile file, Step step) {
        try {
            step.run();
        } catch (Exception e) {
            LOG.errorf("rule=%s path=%s post-upload step failed (%s); it is retried when the file is next seen",
                    file.rule().name(), file.path(), e.toString());
        }
        release(file);
    }

    private void retryLater(StableFile file, UploadOutcome.RetryLater retry) {
        String rule = file.rule().name();
        Duration delay;
        if (retry.ruleWide()) {
            delay = ruleHealth.failed(rule, retry.reason(), retry.detail());
            LOG.errorf("rule=%s bucket=%s paused for %ds: %s (%s); path=%s will be retried", rule,
                    file.rule().bucket(), delay.toSeconds(), retry.reason().tag(), retry.detail(), file.path());
        } else {
            int attempt = attempts.merge(file.path(), 1, Integer::sum);
            // An unreadable source is the operator's to fix (permissions); moving it away would not help.
            boolean countsTowardsQuarantine = retry.reason() != FailureReason.SOURCE_UNREADABLE;
            int maxAttempts = file.rule().maxAttempts().orElse(settings.maxAttempts());
            if (countsTowardsQuarantine && attempt >= maxAttempts) {
                quarantine(file, retry.reason().tag() + ": " + retry.detail());
                return;
            }
            long millis = settings.retryBackoff().toMillis() << Math.min(attempt - 1, 20);
            delay = Duration.ofMillis(Math.min(millis, settings.retryBackoffMax().toMillis()));
            LOG.warnf("rule=%s path=%s bucket=%s attempt %d of %s failed: %s (%s); retrying in %ds", rule,
                    file.path(), file.rule().bucket(), attempt,
                    countsTowardsQuarantine ? String.valueOf(maxAttempts) : "unlimited",
                    retry.reason().tag(), retry.detail(), delay.toSeconds());
        }
        if (spilledBecauseTimerIsFull(file)) {
            return;
        }
        listener.retrying(file, retry, delay);
        backToGateAfter(file, delay);
    }

    /**
     * A paused rule's files wait for the pause to end without a request each: one failure pauses the rule, and
     * a queue of thousands does not turn into thousands of refused requests. No attempt is counted.
     */
    private void waitOutPause(StableFile file, RuleHealth.Pause pause) {
        RuleHealth.Failing failing = pause.failing();
        Duration remaining = pause.remaining();
        LOG.debugf("rule=%s path=%s waits %d ms for the rule's pause (%s)", file.rule().name(), file.path(),
                remaining.toMillis(), failing.reason());
        UploadOutcome.RetryLater why = new UploadOutcome.RetryLater(FailureReason.ofTag(failing.reason()),
                failing.detail(), true);
        if (spilledBecauseTimerIsFull(file)) {
            return;
        }
        listener.waitingForRule(file, why, remaining);
        backToGateAfter(file, remaining);
    }

    /**
     * The file stays in flight (never picked twice) until the delay ends, then the gate sees it again. Files due
     * in the same {@value #DUE_GRAIN_MILLIS} ms slot share one timer task and one list: a paused rule's files all
     * wait for the same instant (the pause's end), so 100,000 of them cost one task, not 100,000.
     */
    private void backToGateAfter(StableFile file, Duration delay) {
        waitingToRetry.incrementAndGet();
        long now = TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
        long slot = (now + delay.toMillis() + DUE_GRAIN_MILLIS - 1) / DUE_GRAIN_MILLIS;
        dueBySlot.compute(slot, (s, batch) -> {
            if (batch == null) {
                batch = new ArrayList<>();
                retryTimer.schedule(() -> backToGate(s), Math.max(0, s * DUE_GRAIN_MILLIS - now), TimeUnit.MILLISECONDS);
            }
            batch.add(file);
            return batch;
        });
    }

    private void backToGate(long slot) {
        List<StableFile> due = dueBySlot.remove(slot);
        for (StableFile file : due == null ? List.<StableFile>of() : due) {
            waitingToRetry.decrementAndGet();
            queue.release(file.path());
            backToGate.accept(new FileSeen(file.rule(), file.path()));
        }
    }

    /**
     * When the retry timer already holds {@code maxWaitingToRetry} files, this one waits on disk instead (released,
     * its rule recorded in the backlog for a rescan): memory does not grow with the number of failing files.
     */
    private boolean spilledBecauseTimerIsFull(StableFile file) {
        if (waitingToRetry.get() < settings.maxWaitingToRetry()) {
            return false;
        }
        queue.release(file.path());
        backlog.spilled(file.rule());
        return true;
    }

    /** Files waiting on the retry timer: failed attempts backing off and files waiting out their rule's pause. */
    public int waitingToRetry() {
        return waitingToRetry.get();
    }

    private void quarantine(StableFile file, String reason) {
        int tries = attempts.getOrDefault(file.path(), 1);
        uploader.apply(file.rule()).abandon(file, "quarantined: " + reason);
        try {
            completion.quarantine(file.rule(), file.path(), reason, tries);
            listener.quarantined(file, reason);
        } catch (Exception e) {
            LOG.errorf("rule=%s path=%s could not be quarantined (%s); it stays in place and is retried later",
                    file.rule().name(), file.path(), e.toString());
        }
        release(file);
    }

    private void release(StableFile file) {
        attempts.remove(file.path());
        queue.release(file.path());
    }

    /** Whether every worker thread is alive; liveness reports DOWN otherwise. */
    public boolean allWorkersAlive() {
        return running && threads.stream().allMatch(Thread::isAlive);
    }

    /** Stops taking files, interrupts workers and waits up to {@code grace} for in-flight work to end. */
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
