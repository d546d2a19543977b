package io.chute.checkpoint;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * First record of a sidecar (schema version 1): what proves the file is the same one (size, mtime, file key,
 * CRC32C of its first and last MiB), where it goes, and the multipart upload it belongs to. Never credentials.
 * Field names are part of the frozen on-disk format.
 */
@RegisterForReflection
public record SidecarHeader(
        int version,
        long size,
        long mtimeMillis,
        String fileKey,
        String sampleCrc32c,
        String endpoint,
        String bucket,
        String key,
        String uploadId,
        long partSize,
        String checksumAlgorithm,
        String createdAt) {

    public static final int VERSION = 1;
}
