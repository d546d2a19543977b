package io.chute.lifecycle;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where one file is in the daemon, from the first sighting to its end. The transition table below is the only
 * place that says which moves are legal; {@link FileLifecycle} refuses any other. A file that leaves memory
 * without reaching {@link #DONE} or {@link #QUARANTINED} (gone, interrupted by shutdown, left on disk because
 * the in-memory bounds are full) is simply forgotten: the next scan finds whatever is still on disk.
 */
public enum FileState {
    /** Seen by an event or a scan; not yet held by the stability gate. */
    DISCOVERED,
    /** Held by the stability gate until unchanged for the rule's quiet period (or its marker exists). */
    STABILIZING,
    /** Stable and waiting in the upload queue. */
    QUEUED,
    /** A worker is storing it (PutObject, or a multipart upload's parts). */
    UPLOADING,
    /** Stored; the object is being compared with the file (size and checksum). */
    VERIFYING,
    /** Verified; the rule's post-action (receipt, delete or move) is running. */
    POST_ACTION,
    /** Finished; the entry is forgotten right after. */
    DONE,
    /** An attempt failed; waiting for its retry time, then back to the stability gate. */
    RETRY_WAIT,
    /** Its rule is paused (bucket, credentials or state dir failing); waiting for the pause to end. */
    PAUSED,
    /** Moved to quarantine with a reason; the entry is forgotten right after. */
    QUARANTINED;

    private static final Map<FileState, Set<FileState>> NEXT = new EnumMap<>(FileState.class);

    static {
        NEXT.put(DISCOVERED, EnumSet.of(STABILIZING));
        // back to STABILIZING from QUEUED: the queue refused it (full); the gate keeps it and offers it again
        NEXT.put(STABILIZING, EnumSet.of(QUEUED));
        NEXT.put(QUEUED, EnumSet.of(UPLOADING, STABILIZING, PAUSED));
        NEXT.put(UPLOADING, EnumSet.of(VERIFYING, POST_ACTION, RETRY_WAIT, PAUSED, QUARANTINED, STABILIZING));
        NEXT.put(VERIFYING, EnumSet.of(POST_ACTION, RETRY_WAIT, PAUSED, QUARANTINED, STABILIZING));
        NEXT.put(POST_ACTION, EnumSet.of(DONE, RETRY_WAIT, PAUSED));
        NEXT.put(RETRY_WAIT, EnumSet.of(STABILIZING));
        NEXT.put(PAUSED, EnumSet.of(STABILIZING));
        NEXT.put(DONE, EnumSet.noneOf(FileState.class));
        NEXT.put(QUARANTINED, EnumSet.noneOf(FileState.class));
    }

    /** Whether a file in this state may move to {@code next}. */
    public boolean canMoveTo(FileState next) {
        return NEXT.get(this).contains(next);
    }

    /** The states this one may move to (a copy). */
    public Set<FileState> successors() {
        Set<FileState> next = NEXT.get(this);
        return next.isEmpty() ? EnumSet.noneOf(FileState.class) : EnumSet.copyOf(next);
    }

    /** Whether the file's story ends here (its entry is forgotten right after). */
    public boolean isTerminal() {
        return NEXT.get(this).isEmpty();
    }
}
