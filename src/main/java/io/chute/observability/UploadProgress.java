package io.chute.observability;

import io.chute.multipart.TransferListener;
import io.chute.stability.StableFile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Progress of one upload attempt, in the manner of the AWS transfer manager's progress holder: the engine's
 * callbacks update it from part threads, readers take immutable {@link StatusReport.InFlight} snapshots.
 * Bytes count only when S3 acknowledged them, so progress never goes backwards when a part is retried.
 */
final class UploadProgress {

    private final StableFile file;
    private final Instant startedAt;
    private String bucket;
    private String key;
    private long bytesTotal;
    private int partsTotal;
    private long bytesDone;
    private int partsDone;
    private long bytesAtPlan;
    private long planNanos;

    UploadProgress(StableFile file, Clock clock) {
        this.file = file;
        this.startedAt = clock.instant();
        this.bucket = file.rule().bucket();
        this.bytesTotal = file.identity().sizeInBytes();
        this.planNanos = System.nanoTime();
    }

    synchronized void planned(TransferListener.Plan plan) {
        bucket = plan.bucket();
        key = plan.key();
        bytesTotal = plan.bytesTotal();
        partsTotal = plan.partsTotal();
        partsDone = plan.partsDone();
        bytesDone = plan.bytesDone();
        bytesAtPlan = plan.bytesDone();
        planNanos = System.nanoTime();
    }

    /** One part (or the single PutObject) was acknowledged. */
    synchronized void sent(long bytes) {
        bytesDone += bytes;
        partsDone++;
    }

    synchronized StatusReport.InFlight snapshot() {
        double seconds = Duration.ofNanos(System.nanoTime() - planNanos).toMillis() / 1000.0;
        long sentThisAttempt = bytesDone - bytesAtPlan;
        double rate = seconds > 0 ? sentThisAttempt / seconds : 0;
        Long eta = rate > 0 ? (long) Math.ceil(Math.max(0, bytesTotal - bytesDone) / rate) : null;
        return new StatusReport.InFlight(file.rule().name(), file.path().toString(), bucket, key, bytesDone,
                bytesTotal, partsDone, partsTotal, rate, eta, startedAt.toString());
    }
}
