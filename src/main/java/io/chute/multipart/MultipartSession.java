package io.chute.multipart;

/** A created multipart upload: where it goes and how the file is cut. */
public record MultipartSession(String bucket, String key, String uploadId, PartPlan plan) {
}
