package io.chute.multipart;

/**
 * A part S3 acknowledged. {@code crc32c} and {@code md5} are the base64 digests Chute computed and sent, so a
 * resume can compare them with what S3 lists; {@code md5} is null when it was not needed (a bucket whose
 * endpoint checks and reports CRC32C).
 */
public record CompletedPart(int partNumber, long sizeInBytes, String etag, String crc32c, String md5) {
}
