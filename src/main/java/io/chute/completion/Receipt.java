package io.chute.completion;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Proof, kept in the state dir, that a file with this identity is stored as this object. */
@RegisterForReflection
public record Receipt(String rule, String path, long size, long mtimeMillis, String fileKey,
                      String bucket, String key, String etag, String checksum, String uploadedAt) {
}
