package io.chute.observability;

import io.chute.config.DropRule;
import io.chute.lifecycle.FileLifecycle;
import io.chute.lifecycle.FileState;
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
 * block; {@link #report} may be called from any thread. Why a file waits comes from where it is held: the
 * stability gate, the queue, and the file lifecycle (waiting to retry, or for a paused rule). Memory is bounded:
 * one progress holder per upload in flight and rings of the last {@value #RING} completions and quarantines.
 */
public final class StatusBoard implements TransferListener, UploaderPool.Listener {

    static final int RING = 100;

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
    private final FileLifecycle lifecycle;
    private final Map<String, List<String>> fallbacks = new ConcurrentHashMap<>();
    private final Map<Path, UploadProgress> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Totals> totals = new ConcurrentHashMap<>();
    private final Deque<StatusReport.Recent> recent = new ArrayDeque<>();
    private final Deque<StatusReport.Waiting> quarantined = new ArrayDeque<>();

    /**
     * {@code stabilizing} and {@code queued} list the gate's and the queue's files with their details;
     * {@code lifecycle} holds the files waiting to retry or for a paused rule, with their reasons; {@code backlog}
     * says which rules have files left on disk (not yet held in memory).
     */
    public StatusBoard(Clock clock, List<DropRule> rules, RuleChecks checks,
                       Supplier<List<StabilityGate.Waiting>> stabilizing, Supplier<List<UploadQueue.Queued>> queued,
                       DiskBacklog backlog, FileLifecycle lifecycle) {
        this.backlog = backlog;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.rules = rules;
        this.checks = checks;
        this.stabilizing = stabilizing;
        this.queued = queued;
        this.lifecycle = lifecycle;
        rules.forEach(r -> totals.put(r.name(), new Totals()));
    }

    @Override
    public void started(StableFile file) {
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
        List<StatusReport.Waiting> waiting = waiting(counts);
        return new StatusReport(startedAt.toString(), now.toString(), ruleRows, uploading, waiting,
                copyNewestFirst(recent), counts);
    }

    /** At most {@link StatusReport#SHOWN_PER_STATE} files per state, in the order they will be served. */
    private List<StatusReport.Waiting> waiting(Map<StatusReport.State, Integer> counts) {
        int shown = StatusReport.SHOWN_PER_STATE;
        List<StatusReport.Waiting> out = new ArrayList<>();
        held(FileState.RETRY_WAIT, StatusReport.State.RETRYING, out, counts);
        held(FileState.PAUSED, StatusReport.State.PAUSED, out, counts);
        List<UploadQueue.Queued> order = queued.get();
        for (UploadQueue.Queued q : order.subList(0, Math.min(shown, order.size()))) {
            out.add(new StatusReport.Waiting(q.file().rule().name(), q.file().path().toString(),
                    StatusReport.State.QUEUED, q.queuedAt().toString(),
                    "queued at position " + q.position() + " of " + order.size()));
        }
        counts.put(StatusReport.State.QUEUED, order.size());
        int stabilizingCount = 0;
        for (StabilityGate.Waiting w : stabilizing.get()) {
            if (stabilizingCount++ < shown) {
                out.add(new StatusReport.Waiting(w.rule().name(), w.path().toString(), StatusReport.State.STABILIZING,
                        w.unchangedSince().toString(), stabilizingDetail(w)));
            }
        }
        counts.put(StatusReport.State.STABILIZING, stabilizingCount);
        List<StatusReport.Waiting> recentQuarantines = copyNewestFirst(quarantined);
        out.addAll(recentQuarantines);
        counts.put(StatusReport.State.QUARANTINED, recentQuarantines.size());
        return out;
    }

    /** What a stabilizing file waits for: its marker, a tick without change (rename mode), or its quiet period. */
    static String stabilizingDetail(StabilityGate.Waiting w) {
        String since = "stabilizing: unchanged since " + w.unchangedSince();
        if (w.rule().marker().isPresent()) {
            return since + ", waits for its marker " + w.path().getFileName() + w.rule().marker().get();
        }
        if (w.rule().stability() == io.chute.config.ChuteConfig.Stability.RENAME) {
            return since + ", needs one stability tick without change (stability: rename)";
        }
        long millis = w.rule().quietPeriod().toMillis();
        return since + ", needs " + (millis % 1000 == 0 ? millis / 1000 + "s" : millis + " ms") + " of quiet";
    }

    /** The lifecycle's files in {@code state}, shown as {@code shownAs} with the reason they wait. */
    private void held(FileState state, StatusReport.State shownAs, List<StatusReport.Waiting> out,
                      Map<StatusReport.State, Integer> counts) {
        for (FileLifecycle.Entry e : lifecycle.inState(state, StatusReport.SHOWN_PER_STATE)) {
            out.add(new StatusReport.Waiting(e.rule().name(), e.path().toString(), shownAs, e.since().toString(),
                    e.reason()));
        }
        counts.put(shownAs, lifecycle.count(state));
    }

    /** The fallbacks the startup probe chose for a rule, shown with the rule from now on. */
    public void fallbacks(String rule, List<String> inUse) {
        fallbacks.put(rule, List.copyOf(inUse));
    }

    private StatusReport.Rule ruleRow(DropRule rule) {
        Optional<String> problem = checks.problem(rule);
        Totals t = totals.get(rule.name());
        return new StatusReport.Rule(rule.name(), rule.folder().toString(), rule.bucket(), rule.prefix(),
                problem.isEmpty(), problem.orElse(null), t.uploaded.get(), t.bytes.get(), t.failed.get(),
                t.quarantined.get(), backlog.hasBacklog(rule.name()), fallbacks.getOrDefault(rule.name(), List.of()));
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
