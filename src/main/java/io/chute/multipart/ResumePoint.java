package io.chute.multipart;

import java.util.Map;

/** A multipart upload recorded by a checkpoint, to be continued: its id, part size and journaled parts. */
public record ResumePoint(String uploadId, long partSizeInBytes, Map<Integer, CompletedPart> journaledParts) {
    public ResumePoint {
        journaledParts = Map.copyOf(journaledParts);
    }
}
