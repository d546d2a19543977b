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

    TransferListener NONE = new TransferListener() {
    };
}
