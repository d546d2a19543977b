package io.chute.observability;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;
import java.util.Map;

/**
 * The JSON document served at {@code GET /q/status} on the management interface. Field names are a contract
 * with {@code chute status} and with operators' scripts: add fields, never rename them. Times are ISO-8601
 * UTC strings. {@code waiting} lists at most {@value #SHOWN_PER_STATE} files per state, so the document stays
 * small with 100,000 files waiting; {@code waitingCounts} has the full count per state.
 */
@RegisterForReflection
public record StatusReport(String startedAt, String now, List<Rule> rules, List<InFlight> inFlight,
                           List<Waiting> waiting, List<Recent> recent, Map<State, Integer> waitingCounts) {

    /** Files listed per waiting state; the rest are only counted. */
    public static final int SHOWN_PER_STATE = 250;

    /**
     * Per-rule totals since start; {@code pausedReason} is null while the rule can upload. {@code backlogOnDisk}:
     * some of the rule's files are waiting on disk, not yet held in memory (the gate or the retry timer was full;
     * they are rescanned when there is room), so {@code waitingCounts} does not count them. {@code fallbacks}: the
     * safe fallbacks the rule uses because the startup probe found its store lacking a guarantee, then the rule's
     * options the store accepted but did not keep (empty: none, or not probed).
     */
    @RegisterForReflection
    public record Rule(String name, String folder, String bucket, String prefix, boolean ready, String pausedReason,
                       long uploaded, long bytesUploaded, long failed, long quarantined, boolean backlogOnDisk,
                       List<String> fallbacks) {
    }

    /**
     * An upload attempt in progress. {@code bytesDone} counts bytes S3 acknowledged (whole parts, including
     * parts stored before a resume); {@code bytesPerSecond} is this attempt's rate; {@code etaSeconds} is null
     * until a rate is known.
     */
    @RegisterForReflection
    public record InFlight(String rule, String path, String bucket, String key, long bytesDone, long bytesTotal,
                           int partsDone, int partsTotal, double bytesPerSecond, Long etaSeconds, String startedAt) {
    }

    /** A file that is not uploading yet, and why: see {@link State}. */
    @RegisterForReflection
    public record Waiting(String rule, String path, State state, String since, String detail) {
    }

    /** Why a file waits. */
    public enum State {
        /** Held by the stability gate until it stays unchanged for the rule's quiet period. */
        STABILIZING,
        /** Stable and queued; the detail gives its position in the order workers take files. */
        QUEUED,
        /** An attempt failed; the detail says why and when it is tried again. */
        RETRYING,
        /** Its rule is paused (bucket, credentials or state dir failing); the detail says why. */
        PAUSED,
        /** Moved to the quarantine folder after its last attempt; the detail is the reason. */
        QUARANTINED
    }

    /**
     * A finished file: {@code outcome} is {@code UPLOADED}, {@code RESUMED} (uploaded by resuming a checkpointed
     * upload) or {@code QUARANTINED} ({@code key} null: the key may not have been resolved). {@code verifiedBy}
     * says how S3 confirmed the object before the post-action: {@code crc32c} or {@code md5-etag} read back with
     * HeadObject, or {@code put-response-crc32c} (null for quarantined files).
     */
    @RegisterForReflection
    public record Recent(String rule, String path, String bucket, String key, long bytes, String finishedAt,
                         String outcome, String verifiedBy) {
    }
}
