package io.chute.multipart;

/**
 * What S3 confirmed about the stored object after upload. {@code verifiedBy} says how: {@code crc32c} or
 * {@code md5-etag} from a HeadObject read-back, or {@value #PUT_RESPONSE_CRC32C} when a checksum-checking
 * endpoint accepted a PutObject and echoed the CRC32C it verified.
 */
public record ObjectProof(String bucket, String key, long sizeInBytes, String etag, String checksum, String verifiedBy) {

    /** The PutObject response echoed the CRC32C sent, on an endpoint known to refuse a wrong one. */
    public static final String PUT_RESPONSE_CRC32C = "put-response-crc32c";
}
