package io.chute.observability;

import io.chute.lifecycle.FileLifecycle;
import io.chute.lifecycle.FileState;
import io.chute.multipart.TransferListener;
import io.chute.queue.UploadQueue;
import io.chute.stability.StabilityGate;
import io.chute.stability.StableFile;
import io.chute.throttle.BandwidthLimiter;
import io.chute.upload.FailureReason;
import io.chute.upload.UploadOutcome;
import io.chute.upload.UploaderPool;
import io.chute.watch.FileSeen;
import io.chute.watch.FolderWatcher;
import io.chute.config.DropRule;
import io.chute.multipart.FlowControl;
import io.micrometer.core.instrument.Counter;
import io.chute.upload.StateDirHealth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every Chute meter, named in one place. Prometheus names follow from Micrometer's: {@code chute.files.uploaded}
 * becomes {@code chute_files_uploaded_total}. Tags are a rule name or a closed set of reasons, never a path.
 */
public final class ChuteMetrics implements TransferListener, UploaderPool.Listener, StabilityGate.Listener {

    public static final String FILES_DISCOVERED = "chute.files.discovered";
    public static final String FILES_UPLOADED = "chute.files.uploaded";
    public static final String FILES_FAILED = "chute.files.failed";
    public static final String FILES_QUARANTINED = "chute.files.quarantined";
    public static final String UPLOADED_BYTES = "chute.uploaded.bytes";
    public static final String RESENT_BYTES = "chute.resent.bytes";
    public static final String UPLOADS_IN_PROGRESS = "chute.uploads.in.progress";
    public static final String QUEUE_DEPTH = "chute.queue.depth";
    public static final String OLDEST_PENDING_AGE = "chute.oldest.pending.age.seconds";
    public static final String UPLOAD_DURATION = "chute.upload.duration";
    public static final String PART_DURATION = "chute.part.duration";
    public static final String RETRIES = "chute.retries";
    public static final String RESUMES = "chute.resumes";
    public static final String WATCH_OVERFLOWS = "chute.watch.overflows";
    public static final String RESCANS = "chute.rescans";
    public static final String ORPHANS_ABORTED = "chute.orphan.uploads.aborted";
    public static final String CREDENTIAL_FAILURES = "chute.credential.refresh.failures";
    public static final String FILES_STABILIZING = "chute.files.stabilizing";
    public static final String FILES_NOT_STABILIZING = "chute.files.not.stabilizing";
    public static final String FILES_WAITING_RETRY = "chute.files.waiting.retry";
    public static final String PARTS_IN_FLIGHT_LIMIT = "chute.parts.in.flight.limit";
    public static final String FILES_IN_FLIGHT_LIMIT = "chute.files.in.flight.limit";
    public static final String THROTTLE_RESPONSES = "chute.throttle.responses";
    public static final String BANDWIDTH_LIMIT = "chute.bandwidth.limit.bytes.per.second";
    public static final String THROTTLED_SECONDS = "chute.throttled.seconds";
    public static final String FILES_HELD = "chute.files.held";
    /** Names a rule selects that are skipped at discovery; reason {@code not_regular}: FIFO, socket or device. */
    public static final String FILES_SKIPPED = "chute.files.skipped";
    /** 1 while the state dir can be written (as far as the last write or probe showed), 0 while uploads wait for it. */
    public static final String STATE_DIR_AVAILABLE = "chute.state.dir.available";
    /**
     * Sources left untouched (not read, deleted or moved) because their path led outside the rule's folder or to
     * another file than the one found stable; tags {@code rule} and {@code reason} ({@code outside_root},
     * {@code identity_changed}).
     */
    public static final String SOURCES_KEPT = "chute.sources.kept";
    /** Writes to the state dir (ledger, receipts, sidecars, probes) that failed. */
    public static final String STATE_DIR_FAILURES = "chute.state.dir.failures";

    private final MeterRegistry registry;
    private final AtomicInteger inProgress = new AtomicInteger();
    private final Counter uploadedBytes;
    private final Counter resentBytes;
    private final Timer partDuration;
    private final java.util.List<Object> watched = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ChuteMetrics(MeterRegistry registry, UploadQueue queue) {
        this.registry = registry;
        registry.gauge(UPLOADS_IN_PROGRESS, inProgress);
        registry.gauge(QUEUE_DEPTH, queue, UploadQueue::depth);
        registry.gauge(OLDEST_PENDING_AGE, queue, UploadQueue::oldestAgeSeconds);
        registry.counter(CREDENTIAL_FAILURES, "source", "upload");
        registry.counter(CREDENTIAL_FAILURES, "source", "probe");
        registry.counter(CREDENTIAL_FAILURES, "source", "provider");
        this.uploadedBytes = registry.counter(UPLOADED_BYTES);
        this.resentBytes = registry.counter(RESENT_BYTES);
        this.partDuration = Timer.builder(PART_DURATION).publishPercentileHistogram().register(registry);
    }

    /**
     * Registers each rule's counters at zero, so a rate or an increase over them is defined from the start
     * (Prometheus shows a labelled counter only once it exists).
     */
    public void register(java.util.List<DropRule> rules) {
        registry.counter(ORPHANS_ABORTED);
        for (DropRule rule : rules) {
            for (String name : java.util.List.of(FILES_DISCOVERED, FILES_UPLOADED, FILES_QUARANTINED, RESUMES,
                    WATCH_OVERFLOWS, RESCANS, FILES_NOT_STABILIZING)) {
                registry.counter(name, "rule", rule.name());
            }
            for (String reason : java.util.List.of("outside_root", "identity_changed")) {
                registry.counter(SOURCES_KEPT, "rule", rule.name(), "reason", reason);
            }
            registry.counter(FILES_SKIPPED, "rule", rule.name(), "reason", "not_regular");
        }
    }

    /** Files held by the stability gate, waiting for their quiet period. */
    public void watch(StabilityGate gate) {
        registry.gauge(FILES_STABILIZING, gate, StabilityGate::trackedCount);
    }

    /**
     * Files the daemon holds in memory, per lifecycle state (tag {@code state}: discovered, stabilizing, queued,
     * uploading, verifying, post_action, retry_wait, paused); done and quarantined files are forgotten at once.
     */
    public void watch(FileLifecycle lifecycle) {
        for (FileState state : FileState.values()) {
            if (!state.isTerminal()) {
                Gauge.builder(FILES_HELD, lifecycle, l -> l.count(state))
                        .tag("state", state.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
            }
        }
    }

    /** Files on the pool's retry timer: backing off after a failure, or waiting out their rule's pause. */
    public void watch(UploaderPool pool) {
        registry.gauge(FILES_WAITING_RETRY, pool, UploaderPool::waitingToRetry);
    }

    /**
     * The adaptive limits of the connections to one endpoint (tag {@code endpoint}, the endpoint id of the
     * configuration): parts and files allowed in flight now (the lowest, when connections with different
     * credentials share the endpoint), and the throttling answers (503 SlowDown, 429) of every attempt, the SDK's
     * own retries included.
     */
    public void watch(String endpoint, java.util.List<FlowControl> flows) {
        Gauge.builder(PARTS_IN_FLIGHT_LIMIT, flows, f -> f.stream().mapToInt(x -> x.parts().limit()).min().orElse(0))
                .tag("endpoint", endpoint).strongReference(true).register(registry);
        Gauge.builder(FILES_IN_FLIGHT_LIMIT, flows, f -> f.stream().mapToInt(x -> x.files().limit()).min().orElse(0))
                .tag("endpoint", endpoint).strongReference(true).register(registry);
        FunctionCounter.builder(THROTTLE_RESPONSES, flows,
                        f -> f.stream().mapToLong(FlowControl::throttleResponses).sum())
                .tag("endpoint", endpoint).register(registry);
        watched.add(flows); // function counters hold their object weakly
    }

    /**
     * The bandwidth cap in force (0 = none) and the seconds request bodies spent waiting for it (wall clock, so its
     * rate is the fraction of time the cap held uploads back).
     */
    public void watch(StateDirHealth stateDir) {
        Gauge.builder(STATE_DIR_AVAILABLE, stateDir, s -> s.down().isPresent() ? 0 : 1)
                .description("1 while Chute's state dir can be written, 0 while uploads wait for it")
                .register(registry);
        FunctionCounter.builder(STATE_DIR_FAILURES, stateDir, StateDirHealth::failures)
                .description("Failed writes and probes of the state dir").register(registry);
    }

    public void watch(BandwidthLimiter bandwidth) {
        registry.gauge(BANDWIDTH_LIMIT, bandwidth, BandwidthLimiter::limitBytesPerSecond);
        FunctionCounter.builder(THROTTLED_SECONDS, bandwidth, BandwidthLimiter::throttledSeconds).register(registry);
    }

    /**
     * Counts a credential failure: {@code source} is {@code upload} (an attempt failed with
     * {@link FailureReason#CREDENTIALS}), {@code probe} (the bucket probe did) or {@code provider} (a client's
     * credentials provider could not resolve credentials; the request it was for then fails and is counted again
     * as {@code upload} or {@code probe} when classified CREDENTIALS).
     * A closed set, never a path or key.
     */
    public void credentialRefreshFailed(String source) {
        registry.counter(CREDENTIAL_FAILURES, "source", source).increment();
    }

    public void orphanAborted() {
        registry.counter(ORPHANS_ABORTED).increment();
    }

    @Override
    public void notStabilizing(DropRule rule) {
        registry.counter(FILES_NOT_STABILIZING, "rule", rule.name()).increment();
    }

    public void discovered(DropRule rule) {
        registry.counter(FILES_DISCOVERED, "rule", rule.name()).increment();
    }

    @Override
    public void bytesSent(Path file, long bytes) {
        uploadedBytes.increment(bytes);
    }

    @Override
    public void bytesResent(long bytes) {
        resentBytes.increment(bytes);
    }

    @Override
    public void partUploaded(Duration took) {
        partDuration.record(took);
    }

    @Override
    public void started(StableFile file) {
        inProgress.incrementAndGet();
    }

    @Override
    public void finished(StableFile file, UploadOutcome outcome, Duration took) {
        inProgress.decrementAndGet();
        String rule = file.rule().name();
        if (outcome instanceof UploadOutcome.Completed done) {
            registry.counter(FILES_UPLOADED, "rule", rule).increment();
            Timer.builder(UPLOAD_DURATION).tag("rule", rule).publishPercentileHistogram().register(registry).record(took);
            if (done.resumed()) {
                registry.counter(RESUMES, "rule", rule).increment();
            }
        } else if (outcome instanceof UploadOutcome.RetryLater retry) {
            registry.counter(FILES_FAILED, "rule", rule, "reason", retry.reason().tag()).increment();
            if (retry.reason() == FailureReason.CREDENTIALS) {
                credentialRefreshFailed("upload");
            }
        } else if (outcome instanceof UploadOutcome.Rejected rejected) {
            registry.counter(FILES_FAILED, "rule", rule, "reason", rejected.reason().tag()).increment();
        } else if (outcome instanceof UploadOutcome.SourceChanged) {
            registry.counter(RETRIES, "reason", "source_changed").increment();
        }
    }

    /** Counted when a retry is scheduled (a failure that exhausted its attempts is quarantined instead). */
    @Override
    public void retrying(StableFile file, UploadOutcome.RetryLater failure, Duration delay) {
        registry.counter(RETRIES, "reason", failure.reason().tag()).increment();
    }

    @Override
    public void quarantined(StableFile file, String reason) {
        registry.counter(FILES_QUARANTINED, "rule", file.rule().name()).increment();
    }

    @Override
    public void kept(StableFile file, String reason) {
        registry.counter(SOURCES_KEPT, "rule", file.rule().name(), "reason", reason).increment();
    }

    /** Adapts watcher incidents to counters and passes files on. */
    public FolderWatcher.Listener watcherListener(java.util.function.Consumer<FileSeen> next) {
        return new FolderWatcher.Listener() {
            @Override
            public void accept(FileSeen seen) {
                next.accept(seen);
            }

            @Override
            public void overflow(DropRule rule) {
                registry.counter(WATCH_OVERFLOWS, "rule", rule.name()).increment();
            }

            @Override
            public void rescanned(DropRule rule) {
                registry.counter(RESCANS, "rule", rule.name()).increment();
            }

            @Override
            public void notRegular(DropRule rule, java.nio.file.Path path) {
                registry.counter(FILES_SKIPPED, "rule", rule.name(), "reason", "not_regular").increment();
            }
        };
    }
}
