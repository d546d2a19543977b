package io.chute.faults;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named instants at which the crash test suite kills the daemon, to prove that {@code kill -9} anywhere is
 * survivable. Inert in production: a point acts only when the system property {@code chutetest.crash-point}
 * names it (e.g. {@code -Dchutetest.crash-point=after-part-before-checkpoint}); then the N-th time it is
 * reached ({@code chutetest.crash-after}, default 1) the JVM halts at once with status 137, running no
 * shutdown hook and flushing nothing, as SIGKILL would.
 */
public enum CrashPoint {
    /** After CreateMultipartUpload, before the ledger and the sidecar know the upload id. */
    AFTER_CREATE,
    /** Sidecar header written to its temp file and synced, not yet renamed into place. */
    DURING_HEADER_WRITE,
    /** Sidecar header in place, no part sent. */
    AFTER_HEADER,
    /** Half of a part's body sent. */
    MID_PART,
    /** S3 acknowledged a part, its journal record not yet written. */
    AFTER_PART_BEFORE_CHECKPOINT,
    /** Half of a journal record written and synced: a torn write. */
    MID_CHECKPOINT,
    /** Journal record of a part written. */
    AFTER_CHECKPOINT,
    /** Every part stored, CompleteMultipartUpload not sent. */
    BEFORE_COMPLETE,
    /** CompleteMultipartUpload answered, HeadObject not sent. */
    AFTER_COMPLETE,
    /** HeadObject verified the object, no receipt written. */
    AFTER_VERIFY,
    /** Receipt written, post-action not applied. */
    AFTER_RECEIPT,
    /** Post-action applied, sidecar not removed. */
    AFTER_POST_ACTION;

    public static final String PROPERTY = "chutetest.crash-point";
    public static final String COUNT_PROPERTY = "chutetest.crash-after";

    private static final String ARMED = System.getProperty(PROPERTY, "");
    private static final int AFTER = Integer.getInteger(COUNT_PROPERTY, 1);
    private final AtomicInteger reached = new AtomicInteger();

    /** The property value naming this point, e.g. {@code after-part-before-checkpoint}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public boolean armed() {
        return ARMED.equals(id());
    }

    /** Halts the JVM if this point is armed and reached for the configured time; otherwise does nothing. */
    public void reached() {
        if (armed() && reached.incrementAndGet() == AFTER) {
            System.err.println("chute: crash point " + id() + " reached; halting");
            Runtime.getRuntime().halt(137);
        }
    }
}
