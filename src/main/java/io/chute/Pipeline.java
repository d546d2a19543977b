package io.chute;

import io.chute.completion.Completion;
import io.chute.config.ChuteConfig;
import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.config.ConfigValidator;
import io.chute.config.DropRule;
import io.chute.observability.ChuteMetrics;
import io.chute.observability.FatalErrors;
import io.chute.observability.Observers;
import io.chute.observability.RuleChecks;
import io.chute.observability.StatusBoard;
import io.chute.queue.DiskBacklog;
import io.chute.queue.UploadQueue;
import io.chute.s3.EndpointProbe;
import io.chute.stability.FileIdentity;
import io.chute.stability.StabilityGate;
import io.chute.upload.FailureClassifier;
import io.chute.upload.OrphanJanitor;
import io.chute.upload.UploadOutcome;
import io.chute.upload.RuleHealth;
import io.chute.upload.UploaderPool;
import io.chute.watch.FileSeen;
import io.chute.watch.FolderWatcher;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns the daemon's stages and threads: builds them in data-flow order at startup and stops them in reverse
 * order at shutdown (intake first, uploads last, so in-flight parts can finish within the grace period).
 * Started only in daemon mode ({@code chute.daemon=true}).
 */
@ApplicationScoped
public class Pipeline {

    private static final Logger LOG = Logger.getLogger(Pipeline.class);

    @Inject
    ChuteConfig config;
    @Inject
    MeterRegistry registry;

    private final Clock clock = Clock.systemUTC();
    private volatile boolean started;
    private List<DropRule> rules;
    private UploadEngine uploadEngine;
    private final DiskBacklog backlog = new DiskBacklog();
    private ExecutorService rescanner;
    private ScheduledExecutorService timer;
    private UploadQueue queue;
    private StabilityGate gate;
    private FolderWatcher watcher;
    private Thread watcherThread;
    private UploaderPool pool;
    private RuleHealth ruleHealth;
    private Completion completion;
    private List<OrphanJanitor> janitors;
    private ChuteMetrics metrics;
    private StatusBoard status;
    private RuleChecks ruleChecks;
    private final FatalErrors fatal = new FatalErrors();
    private volatile long lastTickNanos = System.nanoTime();
    private volatile List<EndpointProbe.Guarantees> guarantees = List.of();

    void onStart(@Observes StartupEvent event) throws IOException {
        List<String> errors = ConfigValidator.validate(config);
        if (!errors.isEmpty()) {
            throw new InvalidConfigurationException(errors);
        }
        if (config.daemon()) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    synchronized void start() throws IOException {
        rules = config.rules().stream().map(DropRule::from).toList();
        queue = new UploadQueue(config.upload().queueCapacity(), clock);
        metrics = new ChuteMetrics(registry, queue);
        metrics.register(rules);
        ruleHealth = new RuleHealth(clock);
        ruleChecks = new RuleChecks(ruleHealth, fatal, java.time.Duration.ofSeconds(2));
        status = new StatusBoard(clock, rules, ruleChecks, () -> gate.waiting(), queue::queued, backlog);
        Observers observers = new Observers(metrics, status);
        uploadEngine = UploadEngine.forRules(config, observers, clock, e -> metrics.credentialRefreshFailed("provider"));
        Path stateDir = uploadEngine.stateDir();
        completion = uploadEngine.completion();
        timer = Executors.newScheduledThreadPool(1, named("chute-timer-"));
        janitors = uploadEngine.janitors(queue::isInFlight, config.janitor().orphanTtl(), metrics::orphanAborted);
        forgetVanishedFiles();
        sweepOrphans(true);
        warnWithoutLifecycleRule();
        probeEndpoints();
        gate = new StabilityGate(clock, stable -> {
            boolean queued = queue.offer(stable);
            if (queued) {
                metrics.discovered(stable.rule());
            }
            return queued;
        }, queue::isInFlight, metrics, config.watch().maxTrackedFiles(), backlog);
        pool = new UploaderPool(new UploaderPool.Settings(config.upload().workers(), config.upload().maxAttempts(),
                config.upload().retryBackoff(), config.upload().retryBackoffMax(), config.upload().queueCapacity()),
                queue, rule -> uploadEngine.lane(rule).files(), rule -> uploadEngine.lane(rule).flow().files(),
                completion, ruleHealth, gate::seen, timer, observers, backlog);
        rescanner = Executors.newSingleThreadExecutor(named("chute-rescan-"));
        metrics.watch(gate);
        metrics.watch(pool);
        uploadEngine.lanes().stream().collect(java.util.stream.Collectors.groupingBy(UploadEngine.Lane::endpointId,
                        java.util.LinkedHashMap::new,
                        java.util.stream.Collectors.mapping(UploadEngine.Lane::flow, java.util.stream.Collectors.toList())))
                .forEach(metrics::watch);
        metrics.watch(uploadEngine.bandwidth());
        watcher = new FolderWatcher(rules, metrics.watcherListener(this::seen));
        pool.start();
        timer.scheduleWithFixedDelay(this::tickQuietly, 0, config.watch().stabilityTick().toMillis(), TimeUnit.MILLISECONDS);
        watcher.start();
        watcherThread = new Thread(watcher, "chute-watcher");
        watcherThread.setUncaughtExceptionHandler(fatal.handler());
        watcherThread.start();
        started = true;
        LOG.infof("Chute started: %d rule(s) %s, %d workers, %d parts in flight (%s), %d bytes in flight,"
                + " bandwidth %s, state dir %s",
                rules.size(),
                rules.stream().map(r -> r.name() + "=" + r.folder() + "->s3://" + r.bucket() + "/" + r.prefix()).toList(),
                config.upload().workers(), config.upload().partsInFlight(),
                config.upload().adaptive() ? "adaptive maxima" : "fixed", config.upload().bytesInFlight().asLongValue(),
                uploadEngine.bandwidth(), stateDir);
    }

    /** Kept files whose receipt matches need no stability tracking at all. */
    private void seen(FileSeen seen) {
        if (seen.rule().afterUpload() == AfterUpload.KEEP && !queue.isInFlight(seen.path())) {
            try {
                if (completion.alreadyUploaded(seen.rule(), seen.path(), FileIdentity.of(seen.path())).isPresent()) {
                    return;
                }
            } catch (IOException gone) {
                return;
            }
        }
        gate.seen(seen);
    }

    private void tickQuietly() {
        lastTickNanos = System.nanoTime();
        try {
            gate.tick();
            rescanBacklogIfRoom();
        } catch (RuntimeException e) {
            LOG.error("stability tick failed; continuing", e);
        }
    }

    /**
     * Files left on disk because the gate or the retry timer was full are found again by rescanning their rule
     * once the gate and the queue are under half full, so a backlog drains at upload speed (not at the pace of
     * the periodic rescan). A paused rule waits: its files would only be left on disk again.
     */
    private void rescanBacklogIfRoom() {
        if (!gate.hasRoom() || !queue.hasRoom()) {
            return;
        }
        for (DropRule rule : backlog.takeRescannable(r -> ruleHealth.pausedFor(r.name()).isEmpty())) {
            LOG.debugf("rule=%s rescanning for files left on disk while Chute's queues were full", rule.name());
            rescanner.execute(() -> watcher.rescan(rule));
        }
    }

    @Scheduled(every = "${chute.watch.rescan-interval}", delayed = "${chute.watch.rescan-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void rescan() {
        if (started) {
            watcher.rescanAll();
        }
    }

    @Scheduled(every = "${chute.janitor.interval}", delayed = "${chute.janitor.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void periodicSweep() {
        if (started) {
            sweepOrphans(false);
        }
    }

    /**
     * At start, before any worker runs: sidecars whose file is gone (deleted while Chute was stopped, or by a
     * post-action right before a crash) would otherwise stay forever and keep their upload "referenced".
     */
    private void forgetVanishedFiles() {
        for (DropRule rule : rules) {
            try {
                for (Path source : uploadEngine.sidecars().filesWithoutSource(rule.folder(), rule.recursive())) {
                    for (OrphanJanitor janitor : janitors) {
                        if (janitor.forgetVanished(source)) {
                            break;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf("rule=%s could not look for checkpoints of vanished files (%s); they stay until the next start",
                        rule.name(), e.toString());
            }
        }
    }

    private void sweepOrphans(boolean startup) {
        janitors.forEach(janitor -> sweepOrphans(janitor, startup));
    }

    private void sweepOrphans(OrphanJanitor janitor, boolean startup) {
        try {
            int aborted = janitor.sweep(startup);
            if (aborted > 0) {
                LOG.infof("orphan janitor aborted %d multipart upload(s) of this installation", aborted);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("orphan janitor sweep failed (%s); it runs again in %s", e.toString(), config.janitor().interval());
        }
    }

    /** Uploads orphaned before Chute knew their id can only be removed by a bucket lifecycle rule. */
    private void warnWithoutLifecycleRule() {
        bucketsByClient().forEach(target -> {
            String bucket = target.bucket();
            try {
                boolean hasRule = target.s3().getBucketLifecycleConfiguration(b -> b.bucket(bucket)).rules().stream()
                        .anyMatch(r -> r.abortIncompleteMultipartUpload() != null);
                if (!hasRule) {
                    LOG.warnf("bucket=%s has no AbortIncompleteMultipartUpload lifecycle rule; add one (e.g. 7 days)"
                            + " so uploads orphaned outside Chute's knowledge are removed", bucket);
                }
            } catch (RuntimeException e) {
                LOG.warnf("bucket=%s lifecycle configuration not readable (%s); make sure an"
                        + " AbortIncompleteMultipartUpload rule exists", bucket, e.getMessage());
            }
        });
    }

    /** Startup probe ({@code chute.s3.probe}): which guarantees each rule's bucket honours; failures only warn. */
    private void probeEndpoints() {
        if (!config.s3().probe()) {
            return;
        }
        List<EndpointProbe.Guarantees> found = new ArrayList<>();
        for (Target target : bucketsByClient()) {
            EndpointProbe.Guarantees g = EndpointProbe.probe(target.lane().s3(), target.bucket());
            EndpointProbe.log(g);
            if (g.crc32cChecksums() && "auto".equals(config.upload().verify())) {
                target.lane().objects().trustPutChecksums(target.bucket());
                LOG.infof("bucket=%s small files are proven by the PutObject response's CRC32C (chute.upload.verify=auto);"
                        + " multipart uploads are read back with HeadObject", target.bucket());
            }
            found.add(g);
        }
        guarantees = List.copyOf(found);
        for (EndpointProbe.Guarantees g : guarantees) {
            rules.stream().filter(r -> r.bucket().equals(g.bucket()) && !r.target().overwrite() && !g.conditionalWrites())
                    .forEach(r -> LOG.warnf("rule=%s has overwrite: false but bucket=%s does not enforce"
                            + " If-None-Match: an existing object may be overwritten", r.name(), g.bucket()));
        }
    }

    private record Target(UploadEngine.Lane lane, String bucket) {
        S3Client s3() {
            return lane.s3();
        }
    }

    /** Each distinct bucket of the rules with the lane (client) of its rule's connection. */
    private List<Target> bucketsByClient() {
        return rules.stream().map(r -> new Target(uploadEngine.lane(r), r.bucket())).distinct().toList();
    }

    /** What the startup probe found per bucket; empty when the probe is off or has not run. */
    public List<EndpointProbe.Guarantees> endpointGuarantees() {
        return guarantees;
    }

    @Scheduled(every = "30s", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void probeBuckets() {
        if (!started) {
            return;
        }
        for (DropRule rule : rules) {
            try {
                uploadEngine.lane(rule).s3().headBucket(b -> b.bucket(rule.bucket()));
                ruleHealth.succeeded(rule.name());
            } catch (RuntimeException e) {
                if (FailureClassifier.classify(e) instanceof UploadOutcome.RetryLater r) {
                    ruleHealth.failed(rule.name(), r.reason(), r.detail());
                    if (r.reason() == io.chute.upload.FailureReason.CREDENTIALS) {
                        metrics.credentialRefreshFailed("probe");
                    }
                }
                LOG.warnf("rule=%s bucket=%s is not reachable: %s", rule.name(), rule.bucket(), e.getMessage());
            }
        }
    }

    synchronized void stop() {
        if (!started) {
            return;
        }
        started = false;
        LOG.info("Chute stopping: intake closed, letting in-flight parts finish");
        watcherThread.interrupt();
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.debug("closing watcher", e);
        }
        timer.shutdownNow();
        if (rescanner != null) {
            rescanner.shutdownNow();
        }
        uploadEngine.lanes().forEach(lane -> lane.objects().stopStartingParts());
        try {
            pool.stop(config.shutdown().grace());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        uploadEngine.close();
        LOG.info("Chute stopped; unfinished uploads resume from their checkpoints on the next start");
    }

    public boolean isStarted() {
        return started;
    }

    public List<DropRule> rules() {
        return rules == null ? List.of() : rules;
    }

    /** How each rule discovers files (events or polling, and why). */
    public java.util.Map<String, String> discoveryModes() {
        return watcher == null ? java.util.Map.of() : watcher.modes();
    }

    public Optional<RuleHealth> ruleHealth() {
        return Optional.ofNullable(ruleHealth);
    }

    /** The status API's source while the daemon runs. */
    public Optional<StatusBoard> status() {
        return started ? Optional.ofNullable(status) : Optional.empty();
    }

    /** Cached per-rule readiness (folder, bucket/credentials, fatal latch); empty until started. */
    public Optional<RuleChecks> ruleChecks() {
        return Optional.ofNullable(ruleChecks);
    }

    /** Time since the watcher loop and the stability tick last ran (liveness: a wedged loop stops beating). */
    public java.time.Duration watcherSilence() {
        return java.time.Duration.ofNanos(System.nanoTime() - watcher.lastLoopNanos());
    }

    public java.time.Duration tickSilence() {
        return java.time.Duration.ofNanos(System.nanoTime() - lastTickNanos);
    }

    /** Whether the watcher thread and every uploader worker are alive. */
    public boolean threadsAlive() {
        return started && watcherThread.isAlive() && pool.allWorkersAlive();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }
}
