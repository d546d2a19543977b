package io.chute.observability;

import io.chute.config.DropRule;
import io.chute.lifecycle.FileLifecycle;
import io.chute.lifecycle.FileState;
import io.chute.queue.DiskBacklog;
import io.chute.multipart.ObjectProof;
import io.chute.multipart.TransferListener;
import io.chute.queue.UploadQueue;
import io.chute.stability.FileIdentity;
import io.chute.stability.StabilityGate;
import io.chute.stability.StableFile;
import io.chute.testing.TestRules;
import io.chute.upload.FailureReason;
import io.chute.upload.RuleHealth;
import io.chute.upload.UploadOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The status board's bookkeeping, driven through the same callbacks the pool and the engine make. */
class StatusBoardTest {

    static final long MIB = 1024 * 1024;

    @TempDir
    Path folder;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T01:00:00Z"));
    private final RuleHealth health = new RuleHealth(clock);
    private final List<StabilityGate.Waiting> stabilizing = new ArrayList<>();
    private final List<UploadQueue.Queued> queued = new ArrayList<>();

    private DropRule rule() {
        TestRules rule = TestRules.in(folder);
        rule.bucket = "bucket";
        rule.quietPeriod = Duration.ofSeconds(5);
        return rule.build();
    }

    private final FileLifecycle lifecycle = new FileLifecycle(clock);

    private StatusBoard board() {
        return new StatusBoard(clock, List.of(rule()), new RuleChecks(health, new FatalErrors(), Duration.ZERO),
                () -> List.copyOf(stabilizing), () -> List.copyOf(queued), new DiskBacklog(), lifecycle);
    }

    private StableFile file(String name, long size) {
        return new StableFile(rule(), folder.resolve(name), new FileIdentity(size, 1, "k-" + name), clock.instant());
    }

    private static UploadOutcome.Completed completed(StableFile f, boolean resumed) {
        return new UploadOutcome.Completed(new ObjectProof("bucket", "in/" + f.path().getFileName(),
                f.identity().sizeInBytes(), "etag", "crc", "crc32c"), resumed);
    }

    @Test
    void resumedUpload_countsPartsAlreadyInS3AsDone_andItsRateOnlyFromThisAttempt() throws Exception {
        StatusBoard board = board();
        StableFile big = file("big.bin", 50 * MIB);
        board.started(big);
        long planned = System.nanoTime();
        board.planned(new TransferListener.Plan(big.path(), "bucket", "in/big.bin", "u-1", 50 * MIB, 10, 4, 20 * MIB));
        Thread.sleep(100);
        board.bytesSent(big.path(), 5 * MIB);

        StatusReport.InFlight progress = board.report().inFlight().get(0);
        double seconds = (System.nanoTime() - planned) / 1e9;
        assertThat(progress.key()).isEqualTo("in/big.bin");
        assertThat(progress.bytesDone()).isEqualTo(25 * MIB);
        assertThat(progress.partsDone()).isEqualTo(5);
        assertThat(progress.partsTotal()).isEqualTo(10);
        assertThat(progress.bytesPerSecond()).as("5 MiB sent in this attempt over its elapsed time")
                .isBetween(5 * MIB / seconds, 5 * MIB / 0.1);
        assertThat(progress.etaSeconds()).isNotNull();

        board.finished(big, completed(big, true), Duration.ofSeconds(3));
        StatusReport after = board.report();
        assertThat(after.inFlight()).isEmpty();
        assertThat(after.recent().get(0).outcome()).isEqualTo("RESUMED");
        assertThat(after.rules().get(0).bytesUploaded()).isEqualTo(50 * MIB);
    }

    @Test
    void hundredThousandQueuedFiles_listOnlyTheFirstOnes_butCountAllOfThem() {
        StatusBoard board = board();
        for (int i = 0; i < 100_000; i++) {
            queued.add(new UploadQueue.Queued(file("q-" + i + ".bin", 10), clock.instant(), i + 1));
        }
        stabilizing.add(new StabilityGate.Waiting(rule(), folder.resolve("s.bin"), clock.instant(), clock.instant(),
                "stabilizing"));

        StatusReport report = board.report();

        assertThat(report.waiting()).hasSize(StatusReport.SHOWN_PER_STATE + 1);
        assertThat(report.waiting().get(0).detail()).isEqualTo("queued at position 1 of 100000");
        assertThat(report.waitingCounts()).containsEntry(StatusReport.State.QUEUED, 100_000)
                .containsEntry(StatusReport.State.STABILIZING, 1).containsEntry(StatusReport.State.RETRYING, 0)
                .containsEntry(StatusReport.State.QUARANTINED, 0);
    }

    @Test
    void recentUpload_saysHowS3ConfirmedIt() {
        StatusBoard board = board();
        StableFile f = file("v.bin", 100);
        board.started(f);
        board.finished(f, new UploadOutcome.Completed(new ObjectProof("bucket", "in/v.bin", 100, "etag", "crc",
                ObjectProof.PUT_RESPONSE_CRC32C), false), Duration.ofMillis(5));

        assertThat(board.report().recent().get(0).verifiedBy()).isEqualTo("put-response-crc32c");
    }

    @Test
    void uploadBeforeItsFirstAcknowledgedPart_hasNoRateAndNoEta() {
        StatusBoard board = board();
        StableFile f = file("a.bin", 10 * MIB);
        board.started(f);
        board.planned(new TransferListener.Plan(f.path(), "bucket", "in/a.bin", "u-2", 10 * MIB, 2, 0, 0));
        StatusReport.InFlight progress = board.report().inFlight().get(0);
        assertThat(progress.bytesDone()).isZero();
        assertThat(progress.bytesPerSecond()).isZero();
        assertThat(progress.etaSeconds()).isNull();
    }

    @Test
    void fileWaitingToRetry_orForItsPausedRule_isShownWithTheReasonTheLifecycleHolds() {
        StatusBoard board = board();
        StableFile f = file("r.bin", 100);
        StableFile p = file("p.bin", 100);
        for (StableFile held : List.of(f, p)) {
            lifecycle.discover(held.rule(), held.path());
            lifecycle.move(held.path(), FileState.STABILIZING);
            lifecycle.move(held.path(), FileState.QUEUED);
            lifecycle.move(held.path(), FileState.UPLOADING);
        }
        board.started(f);
        board.finished(f, new UploadOutcome.RetryLater(FailureReason.THROTTLED, "503 SlowDown", false),
                Duration.ofMillis(5));
        lifecycle.move(f.path(), FileState.RETRY_WAIT, "throttled: 503 SlowDown; retry after 2026-11-23T01:00:10Z");
        lifecycle.move(p.path(), FileState.PAUSED, "rule paused: no_such_bucket: 404");

        StatusReport report = board.report();
        assertThat(report.waiting()).extracting(StatusReport.Waiting::state)
                .containsExactly(StatusReport.State.RETRYING, StatusReport.State.PAUSED);
        assertThat(report.waiting().get(0).detail()).contains("throttled").contains("2026-11-23T01:00:10Z");
        assertThat(report.waiting().get(1).detail()).startsWith("rule paused: no_such_bucket");
        assertThat(report.waitingCounts()).containsEntry(StatusReport.State.RETRYING, 1)
                .containsEntry(StatusReport.State.PAUSED, 1);
        assertThat(report.rules().get(0).failed()).isEqualTo(1);

        lifecycle.move(f.path(), FileState.STABILIZING);
        stabilizing.add(new StabilityGate.Waiting(rule(), f.path(), clock.instant(), clock.instant(), "stabilizing"));
        assertThat(board.report().waiting()).extracting(StatusReport.Waiting::state)
                .containsExactly(StatusReport.State.PAUSED, StatusReport.State.STABILIZING);
    }

    @Test
    void stabilizingFile_saysWhatItWaitsFor_itsMarker_aTick_orItsQuietPeriod() {
        TestRules markerRule = TestRules.in(folder);
        markerRule.marker = ".done";
        TestRules renameRule = TestRules.in(folder);
        renameRule.stability = io.chute.config.ChuteConfig.Stability.RENAME;
        Instant since = clock.instant();
        assertThat(StatusBoard.stabilizingDetail(new StabilityGate.Waiting(markerRule.build(),
                folder.resolve("run.csv"), since, since, "")))
                .endsWith("waits for its marker run.csv.done").doesNotContain("quiet");
        assertThat(StatusBoard.stabilizingDetail(new StabilityGate.Waiting(renameRule.build(),
                folder.resolve("run.csv"), since, since, ""))).contains("stability: rename");
        assertThat(StatusBoard.stabilizingDetail(new StabilityGate.Waiting(rule(), folder.resolve("run.csv"),
                since, since, ""))).endsWith("needs 5s of quiet");
    }

    @Test
    void queuedFiles_carryTheirPositionInTakingOrder() {
        StatusBoard board = board();
        queued.add(new UploadQueue.Queued(file("first", 1), clock.instant(), 1));
        queued.add(new UploadQueue.Queued(file("second", 1), clock.instant(), 2));
        assertThat(board.report().waiting()).extracting(StatusReport.Waiting::detail)
                .containsExactly("queued at position 1 of 2", "queued at position 2 of 2");
    }

    @Test
    void recentAndQuarantined_keepOnlyTheNewestHundred_newestFirst() {
        StatusBoard board = board();
        for (int i = 0; i < 150; i++) {
            StableFile f = file("f" + i, i);
            board.started(f);
            board.finished(f, completed(f, false), Duration.ofMillis(1));
        }
        StableFile bad = file("bad", 7);
        board.quarantined(bad, "invalid_key: too long");
        StatusReport report = board.report();
        assertThat(report.recent()).hasSize(StatusBoard.RING);
        assertThat(report.recent().get(0).outcome()).isEqualTo("QUARANTINED");
        assertThat(report.recent().get(1).path()).endsWith("f149");
        assertThat(report.waiting()).extracting(StatusReport.Waiting::state)
                .containsExactly(StatusReport.State.QUARANTINED);
        assertThat(report.rules().get(0).uploaded()).isEqualTo(150);
        assertThat(report.rules().get(0).quarantined()).isEqualTo(1);
    }

    @Test
    void pausedRule_isNotReady_andSaysWhy() {
        health.failed("inbox", FailureReason.NO_SUCH_BUCKET, "404 NoSuchBucket");
        StatusReport.Rule row = board().report().rules().get(0);
        assertThat(row.ready()).isFalse();
        assertThat(row.pausedReason()).contains("bucket bucket").contains("no_such_bucket");
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
