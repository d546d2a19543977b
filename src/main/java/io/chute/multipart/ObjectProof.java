package io.chute.multipart;

/** What HeadObject confirmed about the stored object after upload. */
public record ObjectProof(String bucket, String key, long sizeInBytes, String etag, String checksum, String verifiedBy) {
}
