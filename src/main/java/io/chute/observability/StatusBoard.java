package io.chute.observability;

import io.chute.config.DropRule;
import io.chute.multipart.TransferListener;
import io.chute.queue.DiskBacklog;
import io.chute.queue.UploadQueue;
import io.chute.stability.StabilityGate;
import io.chute.stability.StableFile;
import io.chute.upload.UploadOutcome;
import io.chute.upload.UploaderPool;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Map;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Observes the pipeline (uploader pool outcomes, engine progress) and answers "what is Chute doing and why is
 * this file not uploaded yet" as a {@link StatusReport}. Callbacks arrive on worker and part threads and never
 * block; {@link #report} may be called from any thread. Memory is bounded: one progress holder per upload in
 * flight, one entry per file waiting to retry, and rings of the last {@value #RING} completions and quarantines.
 */
public final class StatusBoard implements TransferListener, UploaderPool.Listener {

    static final int RING = 100;

    /** Kept per retrying file (there may be 100,000 behind a paused rule): the detail text is made only when shown. */
    private record Retry(String rule, Path path, Instant since, Instant retryAt, UploadOutcome.RetryLater failure) {
        String detail() {
            return (failure.ruleWide() ? "rule paused: " : "") + failure.reason().tag() + ": " + failure.detail()
                    + "; retry after " + retryAt;
        }
    }

    private static final class Totals {
        final AtomicLong uploaded = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong quarantined = new AtomicLong();
    }

    private final Clock clock;
    private final Instant startedAt;
    private final List<DropRule> rules;
    private final RuleChecks checks;
    private final Supplier<List<StabilityGate.Waiting>> stabilizing;
    private final Supplier<List<UploadQueue.Queued>> queued;
    private final DiskBacklog backlog;
    private final Map<Path, UploadProgress> inFlight = new ConcurrentHashMap<>();
    private final Map<Path, Retry> retrying = new ConcurrentHashMap<>();
    private final Map<String, Totals> totals = new ConcurrentHashMap<>();
    private final Deque<StatusReport.Recent> recent = new ArrayDeque<>();
    private final Deque<StatusReport.Waiting> quarantined = new ArrayDeque<>();

    public StatusBoard(Clock clock, List<DropRule> rules, RuleChecks checks,
                       Supplier<List<StabilityGate.Waiting>> stabilizing, Supplier<List<UploadQueue.Queued>> queued) {
        this(clock, rules, checks, stabilizing, queued, new DiskBacklog());
    }

    /** {@code backlog} says which rules have files left on disk (not yet held in memory). */
    public StatusBoard(Clock clock, List<DropRule> rules, RuleChecks checks,
                       Supplier<List<StabilityGate.Waiting>> stabilizing, Supplier<List<UploadQueue.Queued>> queued,
                       DiskBacklog backlog) {
        this.backlog = backlog;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.rules = rules;
        this.checks = checks;
        this.stabilizing = stabilizing;
        this.queued = queued;
        rules.forEach(r -> totals.put(r.name(), new Totals()));
    }

    @Override
    public void started(StableFile file) {
        retrying.remove(file.path());
        inFlight.put(file.path(), new UploadProgress(file, clock));
    }

    @Override
    public void planned(Plan plan) {
        UploadProgress progress = inFlight.get(plan.file());
        if (progress != null) {
            progress.planned(plan);
        }
    }

    @Override
    public void bytesSent(Path file, long bytes) {
        UploadProgress progress = inFlight.get(file);
        if (progress != null) {
            progress.sent(bytes);
        }
    }

    @Override
    public void finished(StableFile file, UploadOutcome outcome, Duration took) {
        inFlight.remove(file.path());
        Totals t = totalsOf(file);
        if (outcome instanceof UploadOutcome.Completed done) {
            t.uploaded.incrementAndGet();
            t.bytes.addAndGet(done.proof().sizeInBytes());
            remember(recent, new StatusReport.Recent(file.rule().name(), file.path().toString(), done.proof().bucket(),
                    done.proof().key(), done.proof().sizeInBytes(), clock.instant().toString(),
                    done.resumed() ? "RESUMED" : "UPLOADED", done.proof().verifiedBy()));
        } else if (outcome instanceof UploadOutcome.RetryLater || outcome instanceof UploadOutcome.Rejected) {
            t.failed.incrementAndGet();
        }
    }

    @Override
    public void retrying(StableFile file, UploadOutcome.RetryLater failure, Duration delay) {
        Instant now = clock.instant();
        retrying.put(file.path(), new Retry(file.rule().name(), file.path(), now, now.plus(delay), failure));
    }

    /** Shown like a retry: the file is tried again when its rule's pause ends. */
    @Override
    public void waitingForRule(StableFile file, UploadOutcome.RetryLater pause, Duration delay) {
        retrying(file, pause, delay);
    }

    @Override
    public void quarantined(StableFile file, String reason) {
        totalsOf(file).quarantined.incrementAndGet();
        String now = clock.instant().toString();
        remember(quarantined, new StatusReport.Waiting(file.rule().name(), file.path().toString(),
                StatusReport.State.QUARANTINED, now, reason));
        remember(recent, new StatusReport.Recent(file.rule().name(), file.path().toString(), file.rule().bucket(),
                null, file.identity().sizeInBytes(), now, "QUARANTINED", null));
    }

    /** A consistent-enough snapshot: each part is read atomically, the parts at slightly different instants. */
    public StatusReport report() {
        Instant now = clock.instant();
        List<StatusReport.Rule> ruleRows = rules.stream().map(this::ruleRow).toList();
        List<StatusReport.InFlight> uploading = inFlight.values().stream().map(UploadProgress::snapshot)
                .sorted(Comparator.comparing(StatusReport.InFlight::startedAt)).toList();
        Map<StatusReport.State, Integer> counts = new EnumMap<>(StatusReport.State.class);
        List<StatusReport.Waiting> waiting = waiting(now, counts);
        return new StatusReport(startedAt.toString(), now.toString(), ruleRows, uploading, waiting,
                copyNewestFirst(recent), counts);
    }

    /** At most {@link StatusReport#SHOWN_PER_STATE} files per state, in the order they will be served. */
    private List<StatusReport.Waiting> waiting(Instant now, Map<StatusReport.State, Integer> counts) {
        int shown = StatusReport.SHOWN_PER_STATE;
        List<StatusReport.Waiting> out = new ArrayList<>();
        retrying.values().removeIf(r -> !r.retryAt().isAfter(now));
        int retries = 0;
        for (Retry r : retrying.values()) {
            if (retries++ < shown) {
                out.add(new StatusReport.Waiting(r.rule(), r.path().toString(), StatusReport.State.RETRYING,
                        r.since().toString(), r.detail()));
            }
        }
        counts.put(StatusReport.State.RETRYING, retries);
        List<UploadQueue.Queued> order = queued.get();
        for (UploadQueue.Queued q : order.subList(0, Math.min(shown, order.size()))) {
            out.add(new StatusReport.Waiting(q.file().rule().name(), q.file().path().toString(),
                    StatusReport.State.QUEUED, q.queuedAt().toString(),
                    "queued at position " + q.position() + " of " + order.size()));
        }
        counts.put(StatusReport.State.QUEUED, order.size());
        int stabilizingCount = 0;
        for (StabilityGate.Waiting w : stabilizing.get()) {
            if (retrying.containsKey(w.path())) {
                continue;
            }
            if (stabilizingCount++ < shown) {
                out.add(new StatusReport.Waiting(w.rule().name(), w.path().toString(), StatusReport.State.STABILIZING,
                        w.unchangedSince().toString(), "stabilizing: unchanged since " + w.unchangedSince()
                        + ", needs " + w.rule().quietPeriod().toSeconds() + "s of quiet"));
            }
        }
        counts.put(StatusReport.State.STABILIZING, stabilizingCount);
        List<StatusReport.Waiting> recentQuarantines = copyNewestFirst(quarantined);
        out.addAll(recentQuarantines);
        counts.put(StatusReport.State.QUARANTINED, recentQuarantines.size());
        return out;
    }

    private StatusReport.Rule ruleRow(DropRule rule) {
        Optional<String> problem = checks.problem(rule);
        Totals t = totals.get(rule.name());
        return new StatusReport.Rule(rule.name(), rule.folder().toString(), rule.bucket(), rule.prefix(),
                problem.isEmpty(), problem.orElse(null), t.uploaded.get(), t.bytes.get(), t.failed.get(),
                t.quarantined.get(), backlog.hasBacklog(rule.name()));
    }

    private Totals totalsOf(StableFile file) {
        return totals.computeIfAbsent(file.rule().name(), k -> new Totals());
    }

    private static <T> void remember(Deque<T> ring, T item) {
        synchronized (ring) {
            ring.addFirst(item);
            if (ring.size() > RING) {
                ring.removeLast();
            }
        }
    }

    private static <T> List<T> copyNewestFirst(Deque<T> ring) {
        synchronized (ring) {
            return List.copyOf(ring);
        }
    }
}
