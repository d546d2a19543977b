package io.chute.daemon;

import io.chute.completion.Completion;
import io.chute.config.ChuteConfig;
import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.config.DropRule;
import io.chute.engine.UploadEngine;
import io.chute.lifecycle.FileLifecycle;
import io.chute.lifecycle.FileState;
import io.chute.multipart.TransferListener;
import io.chute.observability.ChuteMetrics;
import io.chute.observability.FatalErrors;
import io.chute.observability.Observers;
import io.chute.observability.RuleChecks;
import io.chute.observability.StatusBoard;
import io.chute.queue.DiskBacklog;
import io.chute.queue.UploadQueue;
import io.chute.stability.FileIdentity;
import io.chute.stability.StabilityGate;
import io.chute.stability.StableFile;
import io.chute.upload.Backoff;
import io.chute.upload.OrphanJanitor;
import io.chute.upload.RetryTimer;
import io.chute.upload.RuleHealth;
import io.chute.upload.StateDirHealth;
import io.chute.upload.UploaderPool;
import io.chute.watch.FileSeen;
import io.chute.watch.FolderWatcher;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The daemon's stages, built once in data-flow order (watch → stability → queue → upload → multipart →
 * checkpoint → completion) and wired to each other. Every file a stage hands on is held in the one
 * {@link FileLifecycle}; the methods here are the hand-offs between stages. Immutable after construction,
 * except for the watcher thread and the tick's heartbeat.
 */
final class Stages {

    final ChuteConfig config;
    final List<DropRule> rules;
    final FatalErrors fatal = new FatalErrors();
    final FileLifecycle lifecycle;
    final DiskBacklog backlog = new DiskBacklog();
    final UploadQueue queue;
    final ChuteMetrics metrics;
    final RuleHealth ruleHealth;
    final StateDirHealth stateDirHealth;
    final RuleChecks ruleChecks;
    final StatusBoard status;
    final UploadEngine engine;
    final Completion completion;
    final List<OrphanJanitor> janitors;
    final StabilityGate gate;
    final RetryTimer retryTimer;
    final UploaderPool pool;
    final FolderWatcher watcher;

    Stages(ChuteConfig config, MeterRegistry registry, Clock clock) throws IOException {
        this.config = config;
        rules = config.rules().stream().map(DropRule::from).toList();
        lifecycle = new FileLifecycle(clock);
        queue = new UploadQueue(config.upload().queueCapacity(), clock);
        metrics = new ChuteMetrics(registry, queue);
        metrics.register(rules);
        ruleHealth = new RuleHealth(clock);
        stateDirHealth = new StateDirHealth(config.stateDir().toAbsolutePath().normalize(), clock);
        ruleChecks = new RuleChecks(ruleHealth, stateDirHealth, fatal, Duration.ofSeconds(2));
        status = new StatusBoard(clock, rules, ruleChecks, () -> gate().waiting(), queue::queued, backlog, lifecycle);
        Observers observers = new Observers(metrics, status, verifyingObserver());
        engine = UploadEngine.forRules(config, observers, clock, e -> metrics.credentialRefreshFailed("provider"),
                fatal.handler());
        completion = engine.completion();
        janitors = engine.janitors(lifecycle::isHeld, config.janitor().orphanTtl(), metrics::orphanAborted);
        gate = new StabilityGate(clock, this::queueStable, seen -> lifecycle.forget(seen.path()), metrics,
                config.watch().maxTrackedFiles());
        retryTimer = new RetryTimer(config.upload().queueCapacity(), ChuteThreads.named("chute-retry-", fatal),
                this::backToGate);
        pool = new UploaderPool(new UploaderPool.Settings(engine.fileSlots(), config.upload().maxAttempts(),
                new Backoff(config.upload().retryBackoff(), config.upload().retryBackoffMax())),
                new UploaderPool.Wiring(queue, lifecycle, rule -> engine.lane(rule).files(),
                        rule -> engine.lane(rule).flow().files(), completion, ruleHealth, stateDirHealth, retryTimer,
                        this::backToGate, backlog, observers), fatal.handler());
        watcher = new FolderWatcher(rules, metrics.watcherListener(this::seen));
        metrics.watch(gate);
        metrics.watch(pool);
        metrics.watch(lifecycle);
        engine.lanesByEndpoint().forEach(metrics::watch);
        metrics.watch(engine.bandwidth());
        metrics.watch(stateDirHealth);
    }

    private StabilityGate gate() {
        return gate;
    }

    /** Moves a file whose bytes are all stored to VERIFYING (the engine tells every observer). */
    private TransferListener verifyingObserver() {
        return new TransferListener() {
            @Override
            public void verifying(Path file) {
                lifecycle.moveIf(file, FileState.UPLOADING, FileState.VERIFYING);
            }
        };
    }

    /**
     * Watcher → gate. A file already held anywhere is ignored (a path is held at most once), so is a sidecar
     * that verifies as this installation's (a file merely named like one is a user's file); a kept file whose
     * receipt matches needs no tracking at all; a file the full gate cannot take stays on disk, its rule
     * recorded for a rescan.
     */
    void seen(FileSeen seen) {
        Path path = seen.path();
        if (lifecycle.isHeld(path) || engine.sidecars().isOwnArtefact(path) || alreadyUploadedAndKept(seen)) {
            return; // held; one of Chute's own sidecars (proved by its signed header, not by its name); kept
        }
        if (lifecycle.discover(seen.rule(), path)) {
            metrics.discovered(seen.rule());
            lifecycle.move(path, FileState.STABILIZING);
            if (!gate.track(seen)) {
                lifecycle.forget(path);
                backlog.spilled(seen.rule());
            }
        }
    }

    private boolean alreadyUploadedAndKept(FileSeen seen) {
        if (seen.rule().afterUpload() != AfterUpload.KEEP) {
            return false;
        }
        try {
            return completion.alreadyUploaded(seen.rule(), seen.path(), FileIdentity.of(seen.path())).isPresent();
        } catch (IOException gone) {
            return true; // nothing to track: the next event or scan sees whatever is there then
        }
    }

    /** Gate → queue; a full queue leaves the file with the gate, which offers it again at its next tick. */
    private boolean queueStable(StableFile stable) {
        lifecycle.move(stable.path(), FileState.QUEUED);
        if (queue.offer(stable)) {
            return true;
        }
        lifecycle.move(stable.path(), FileState.STABILIZING);
        return false;
    }

    /** Upload → gate: after a wait, or after the source changed; a full gate leaves the file on disk. */
    private void backToGate(StableFile file) {
        lifecycle.move(file.path(), FileState.STABILIZING);
        if (!gate.track(new FileSeen(file.rule(), file.path()))) {
            lifecycle.forget(file.path());
            backlog.spilled(file.rule());
        }
    }
}
