package io.chute.multipart;

/**
 * A created multipart upload: where it goes, how the file is cut, and its checksum type (FULL_OBJECT CRC32C,
 * or S3's COMPOSITE checksum-of-checksums), which Complete must repeat.
 */
public record MultipartSession(String bucket, String key, String uploadId, PartPlan plan, boolean fullObjectChecksum) {

    /** A session with the COMPOSITE checksum type. */
    public MultipartSession(String bucket, String key, String uploadId, PartPlan plan) {
        this(bucket, key, uploadId, plan, false);
    }

    /** The value recorded as the sidecar's {@code checksumAlgorithm}. */
    public String checksumName() {
        return fullObjectChecksum ? ResumePoint.CRC32C_FULL_OBJECT : ResumePoint.CRC32C_COMPOSITE;
    }
}
