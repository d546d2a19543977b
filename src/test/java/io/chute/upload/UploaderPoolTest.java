package io.chute.upload;

import io.chute.checkpoint.SidecarStore;
import io.chute.completion.Completion;
import io.chute.completion.ReceiptStore;
import io.chute.config.DropRule;
import io.chute.lifecycle.FileLifecycle;
import io.chute.lifecycle.FileState;
import io.chute.multipart.AdaptiveGate;
import io.chute.multipart.ObjectProof;
import io.chute.observability.FatalErrors;
import io.chute.observability.RuleChecks;
import io.chute.queue.DiskBacklog;
import io.chute.queue.UploadQueue;
import io.chute.stability.FileIdentity;
import io.chute.stability.StableFile;
import io.chute.testing.TestRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The uploader pool through its public surface: files go in through the queue, the lifecycle says where each
 * one is afterwards. A scripted {@link Uploader} stands in for S3 (the engine is tested against real servers
 * elsewhere); completion, lifecycle, retry timer and rule health are the real ones.
 */
class UploaderPoolTest {

    @TempDir
    Path folder;
    @TempDir
    Path state;

    private final Clock clock = Clock.systemUTC();
    private final FileLifecycle lifecycle = new FileLifecycle(clock);
    private final UploadQueue queue = new UploadQueue(100, clock);
    /** Rule pauses of a fixed minute: a paused file stays PAUSED for every assertion. */
    private final RuleHealth health = new RuleHealth(clock, new Backoff(Duration.ofMinutes(1), Duration.ofMinutes(1),
            bound -> bound));
    private final FatalErrors fatal = new FatalErrors();
    private final DiskBacklog backlog = new DiskBacklog();
    private final List<Path> backToGate = new CopyOnWriteArrayList<>();
    private final Map<String, UploadOutcome> script = new ConcurrentHashMap<>();
    private final List<String> abandoned = new CopyOnWriteArrayList<>();
    private RetryTimer timer;
    /** Whether the state dir's probe write succeeds (the test's stand-in for a full file system). */
    private final java.util.concurrent.atomic.AtomicBoolean stateDirWritable = new java.util.concurrent.atomic.AtomicBoolean(true);
    private final java.util.concurrent.atomic.AtomicInteger probes = new java.util.concurrent.atomic.AtomicInteger();
    private StateDirHealth stateDir;
    private UploaderPool pool;
    private DropRule rule;

    /** Answers each file by its name; a name not in the script throws, like an unexpected bug would. */
    private final Uploader scripted = new Uploader() {
        @Override
        public UploadOutcome attempt(StableFile file) {
            UploadOutcome outcome = script.get(file.path().getFileName().toString());
            if (outcome == null) {
                throw new IllegalStateException("bug in the uploader");
            }
            return outcome;
        }

        @Override
        public void abandon(StableFile file, String why) {
            abandoned.add(file.path().getFileName() + ": " + why);
        }
    };

    private void start(UploaderPool.Listener listener) throws IOException {
        TestRules t = TestRules.in(folder);
        t.afterUpload = io.chute.config.ChuteConfig.AfterUpload.DELETE;
        rule = t.build();
        Completion completion = new Completion(new ReceiptStore(state), new SidecarStore(new byte[32], clock), state,
                clock);
        timer = new RetryTimer(100, Thread::new, this::backToGate);
        stateDir = new StateDirHealth(state, clock, dir -> {
            probes.incrementAndGet();
            if (!stateDirWritable.get()) {
                throw io.chute.checkpoint.StateDirUnavailableException.stateDir(dir, "probe write",
                        new IOException("No space left on device"));
            }
        });
        Function<DropRule, Uploader> uploader = r -> scripted;
        // no jitter here: retries are due 30 s later, long after every assertion
        Backoff backoff = new Backoff(Duration.ofSeconds(30), Duration.ofMinutes(1), bound -> bound);
        pool = new UploaderPool(new UploaderPool.Settings(1, 3, backoff),
                new UploaderPool.Wiring(queue, lifecycle, uploader, r -> AdaptiveGate.of(1, false, clock), completion,
                        health, stateDir, timer, this::backToGate, backlog, listener), fatal.handler());
        pool.start();
    }

    /** What the daemon does with a file given back to the gate: it is stabilizing again. */
    private void backToGate(StableFile file) {
        backToGate.add(file.path());
        lifecycle.move(file.path(), FileState.STABILIZING);
    }

    @AfterEach
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
        if (timer != null) {
            timer.close();
        }
    }

    /** What the daemon's gate does before a file reaches the pool: held, stable, queued. */
    private Path offer(String name) throws IOException {
        Path path = Files.writeString(folder.resolve(name), name);
        lifecycle.discover(rule, path);
        lifecycle.move(path, FileState.STABILIZING);
        lifecycle.move(path, FileState.QUEUED);
        queue.offer(new StableFile(rule, path, FileIdentity.of(path), Instant.now()));
        return path;
    }

    private static UploadOutcome.Completed completed(String key) {
        return new UploadOutcome.Completed(new ObjectProof("bucket", key, 4, "etag", "crc", "crc32c"), false);
    }

    @Test
    void workerKilledByAnError_latchesTheFatalError_soReadinessGoesDown() throws Exception {
        start(new UploaderPool.Listener() {
            @Override
            public void started(StableFile file) {
                if (file.path().getFileName().toString().equals("poison")) {
                    throw new StackOverflowError("simulated");
                }
            }
        });
        script.put("poison", completed("poison"));
        assertThat(pool.allWorkersAlive()).isTrue();

        offer("poison");

        await().atMost(Duration.ofSeconds(10)).until(() -> fatal.latched().isPresent());
        assertThat(fatal.latched().orElseThrow()).contains("chute-upload-0").contains("StackOverflowError");
        assertThat(new RuleChecks(health, fatal, Duration.ZERO).problem(rule)).hasValueSatisfying(problem ->
                assertThat(problem).startsWith("fatal error: thread chute-upload-0 died"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !pool.allWorkersAlive());
        assertThat(lifecycle.isHeld(folder.resolve("poison"))).as("released even though its worker died").isFalse();
    }

    @Test
    void fileReplacedBeforeItsPostAction_isKeptNotDeleted_countedAndLoggedOnce() throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        io.chute.observability.ChuteMetrics metrics = new io.chute.observability.ChuteMetrics(registry, queue);
        UploaderPool.Listener producer = new UploaderPool.Listener() {
            @Override
            public void started(StableFile file) {
                try { // a producer replaces the file (a new inode) while it is being uploaded
                    Path next = Files.writeString(folder.resolve(".swapped.new"), "another file");
                    Files.move(next, file.path(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        List<String> warnings = new CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(OutcomeActions.class.getName());
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    String text = record.getParameters() == null ? record.getMessage()
                            : String.format(record.getMessage(), record.getParameters());
                    warnings.add(text);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try {
            start(new io.chute.observability.Observers(producer, metrics));
            script.put("swapped", completed("swapped"));
            Path file = offer("swapped");

            await().atMost(Duration.ofSeconds(10)).until(() -> registry.counter(
                    io.chute.observability.ChuteMetrics.SOURCES_KEPT, "rule", rule.name(), "reason",
                    "identity_changed").count() == 1);
            assertThat(file).as("never deleted").hasContent("another file");
            await().atMost(Duration.ofSeconds(10)).until(() -> !lifecycle.isHeld(file));
            assertThat(warnings).singleElement().satisfies(w -> assertThat(w).contains("rule=" + rule.name())
                    .contains("path=" + file).contains("reason=identity_changed"));
        } finally {
            log.removeHandler(capture);
        }
    }

    @Test
    void eachOutcome_leavesTheFileWhereItsStorySays_releasedOnceUnlessHandedOver() throws Exception {
        start(new UploaderPool.Listener() {
        });
        script.put("ok", completed("ok"));
        script.put("throttled", new UploadOutcome.RetryLater(FailureReason.THROTTLED, "503 SlowDown", false));
        script.put("changed", new UploadOutcome.SourceChanged("appended to"));
        script.put("badkey", new UploadOutcome.Rejected(FailureReason.INVALID_KEY, "key too long"));
        script.put("gone", new UploadOutcome.SourceGone());
        script.put("stopped", new UploadOutcome.Interrupted());
        for (String name : List.of("ok", "throttled", "changed", "badkey", "gone", "stopped", "buggy")) {
            offer(name);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.depth() == 0 && held(FileState.UPLOADING) == 0
                && held(FileState.QUEUED) == 0);

        assertThat(folder.resolve("ok")).as("delete rule: the verified source is gone").doesNotExist();
        assertThat(lifecycle.isHeld(folder.resolve("ok"))).isFalse();
        assertThat(state(folder.resolve("throttled"))).isEqualTo(FileState.RETRY_WAIT);
        assertThat(lifecycle.entry(folder.resolve("throttled")).orElseThrow().reason())
                .startsWith("throttled: 503 SlowDown; attempt 1 failed; retry after ");
        assertThat(state(folder.resolve("buggy"))).as("an unexpected exception is one failed attempt")
                .isEqualTo(FileState.RETRY_WAIT);
        assertThat(backToGate).containsExactly(folder.resolve("changed"));
        assertThat(state(folder.resolve("changed"))).as("handed back to the gate, still held")
                .isEqualTo(FileState.STABILIZING);
        assertThat(lifecycle.isHeld(folder.resolve("badkey"))).isFalse();
        assertThat(state.resolve("quarantine").resolve(rule.name()).resolve("badkey")).exists();
        assertThat(abandoned).containsExactly("badkey: quarantined: invalid_key: key too long");
        assertThat(lifecycle.isHeld(folder.resolve("gone"))).isFalse();
        assertThat(lifecycle.isHeld(folder.resolve("stopped"))).isFalse();
        assertThat(fatal.latched()).isEmpty();
    }

    @Test
    void ruleWideFailure_pausesTheRule_andTheNextFileWaitsWithoutARequest() throws Exception {
        start(new UploaderPool.Listener() {
        });
        script.put("first", new UploadOutcome.RetryLater(FailureReason.NO_SUCH_BUCKET, "404 NoSuchBucket", true));
        offer("first");
        await().atMost(Duration.ofSeconds(10)).until(() -> health.pausedFor(rule.name()).isPresent());
        offer("second"); // not in the script: an attempt would throw and show up as RETRY_WAIT

        await().atMost(Duration.ofSeconds(10)).until(() -> held(FileState.PAUSED) == 2);
        assertThat(lifecycle.entry(folder.resolve("second")).orElseThrow().reason())
                .startsWith("rule paused: no_such_bucket");
        assertThat(held(FileState.RETRY_WAIT)).isZero();
    }

    @Test
    void stateDirFailure_pausesEveryFileWithoutCountingAnAttempt_andUploadsResumeOnceAProbeWriteSucceeds()
            throws Exception {
        start(new UploaderPool.Listener() {
        });
        stateDirWritable.set(false);
        script.put("first", new UploadOutcome.RetryLater(FailureReason.STATE_DIR_UNAVAILABLE,
                "state dir " + state + " cannot be written (upload ledger): No space left on device",
                UploadOutcome.RetryLater.Scope.STATE_DIR));
        offer("first");
        await().atMost(Duration.ofSeconds(10)).until(() -> stateDir.down().isPresent());
        offer("second"); // not in the script: an attempt would throw and show up as RETRY_WAIT

        await().atMost(Duration.ofSeconds(10)).until(() -> held(FileState.PAUSED) == 2);
        assertThat(lifecycle.entry(folder.resolve("second")).orElseThrow().reason())
                .startsWith("state dir paused: state_dir_unavailable: state dir " + state);
        assertThat(held(FileState.RETRY_WAIT)).as("no attempt counted, nothing quarantined").isZero();
        assertThat(new RuleChecks(health, stateDir, fatal, Duration.ZERO).problem(rule)).hasValueSatisfying(p ->
                assertThat(p).startsWith("state dir " + state + " cannot be written since"));

        script.put("first", completed("first"));
        script.put("second", completed("second"));
        stateDirWritable.set(true);
        await().atMost(Duration.ofSeconds(30)).until(() -> backToGate.size() == 2); // their pauses ended
        for (Path path : List.copyOf(backToGate)) { // what the gate does with an unchanged file
            lifecycle.move(path, FileState.QUEUED);
            queue.offer(new StableFile(rule, path, FileIdentity.of(path), Instant.now()));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(folder.resolve("first"))
                && !Files.exists(folder.resolve("second")));
        assertThat(stateDir.down()).isEmpty();
        assertThat(probes.get()).as("probes only after a pause ended, not per file or in a loop").isBetween(1, 10);
    }

    @Test
    void failureAfterTheRetryTimerStopped_leavesTheFileOnDiskForTheNextScan() throws Exception {
        start(new UploaderPool.Listener() {
        });
        timer.close(); // shutdown: the timer stops after the workers, but an attempt may still end in between
        script.put("late", new UploadOutcome.RetryLater(FailureReason.NETWORK, "connection reset", false));

        Path late = offer("late");

        await().atMost(Duration.ofSeconds(10)).until(() -> !lifecycle.isHeld(late));
        assertThat(backlog.hasBacklog(rule.name())).as("its rule is rescanned when there is room").isTrue();
        assertThat(late).exists();
        assertThat(fatal.latched()).isEmpty();
    }

    @Test
    void fileFailingMaxAttemptsTimes_isQuarantinedWithItsLastReason() throws Exception {
        start(new UploaderPool.Listener() {
        });
        script.put("flaky", new UploadOutcome.RetryLater(FailureReason.SERVER_ERROR, "500 InternalError", false));
        Path flaky = folder.resolve("flaky");
        for (int attempt = 1; attempt <= 3; attempt++) {
            if (attempt == 1) {
                offer("flaky");
            } else {
                lifecycle.move(flaky, FileState.STABILIZING); // what the timer does when the retry is due
                lifecycle.move(flaky, FileState.QUEUED);
                queue.offer(new StableFile(rule, flaky, FileIdentity.of(flaky), Instant.now()));
            }
            int expected = attempt;
            await().atMost(Duration.ofSeconds(10)).until(() -> expected == 3 ? !lifecycle.isHeld(flaky)
                    : state(flaky) == FileState.RETRY_WAIT && lifecycle.entry(flaky).orElseThrow().reason()
                    .contains("attempt " + expected + " failed"));
        }
        Path reason = state.resolve("quarantine").resolve(rule.name()).resolve("flaky.reason");
        assertThat(Files.readString(reason)).contains("attempts: 3").contains("server_error: 500 InternalError");
    }

    private FileState state(Path path) {
        return lifecycle.entry(path).map(FileLifecycle.Entry::state).orElse(null);
    }

    private int held(FileState s) {
        return lifecycle.count(s);
    }
}
