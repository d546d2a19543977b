package io.chute.multipart;

import java.time.Duration;

/** Progress callbacks from the engine; called from part threads, must not block. */
public interface TransferListener {

    /** Bytes S3 acknowledged. */
    default void bytesSent(java.nio.file.Path file, long bytes) {
    }

    /** Bytes about to be sent again for parts that had been sent before (crash, retry). */
    default void bytesResent(long bytes) {
    }

    default void partUploaded(Duration took) {
    }

    /** Every byte of {@code file} is stored; the object is about to be compared with the file. */
    default void verifying(java.nio.file.Path file) {
    }

    /**
     * What an attempt is about to send: called once per attempt before its first byte, after a resume has
     * been reconciled ({@code partsDone}/{@code bytesDone} are already in S3). {@code uploadId} is null for
     * PutObject, which counts as one part.
     */
    default void planned(Plan plan) {
    }

    /** The shape of one upload attempt, for progress reporting. */
    record Plan(java.nio.file.Path file, String bucket, String key, String uploadId, long bytesTotal,
                int partsTotal, int partsDone, long bytesDone) {
    }

    TransferListener NONE = new TransferListener() {
    };
}
