package io.chute.multipart;

import java.util.Map;

/**
 * A multipart upload recorded by a checkpoint, to be continued: its id, part size, checksum type and
 * journaled parts.
 */
public record ResumePoint(String uploadId, long partSizeInBytes, Map<Integer, CompletedPart> journaledParts,
                          boolean fullObjectChecksum) {

    /** Sidecar {@code checksumAlgorithm} of an upload with COMPOSITE part checksums. */
    public static final String CRC32C_COMPOSITE = "CRC32C";
    /** Sidecar {@code checksumAlgorithm} of an upload with a FULL_OBJECT CRC32C. */
    public static final String CRC32C_FULL_OBJECT = "CRC32C/FULL_OBJECT";

    public ResumePoint {
        journaledParts = Map.copyOf(journaledParts);
    }
}
