package io.chute.multipart;

import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.s3.model.Tagging;

import java.util.Map;

/**
 * How one object is stored, applied identically by PutObject and CreateMultipartUpload so the choice of
 * upload path never changes the result. Immutable. A null component is not sent (the bucket's default applies).
 *
 * @param storageClass        S3 storage class name, e.g. {@code STANDARD_IA}
 * @param serverSideEncryption {@code AES256} or {@code aws:kms}
 * @param kmsKeyId            KMS key for {@code aws:kms}
 * @param tags                object tags, sent as the x-amz-tagging header
 * @param metadata            user metadata (x-amz-meta-*), placeholders already expanded; the values as they
 *                            should read (non-ASCII ones are sent as RFC 2047 encoded words)
 * @param contentType         Content-Type of the object
 * @param cacheControl        Cache-Control of the object
 * @param acl                 canned ACL header value, e.g. {@code bucket-owner-full-control}
 * @param expectedBucketOwner account id sent with every request for the object's bucket
 * @param overwrite           false sends {@code If-None-Match: *} on PutObject and CompleteMultipartUpload
 */
public record ObjectOptions(
        String storageClass,
        String serverSideEncryption,
        String kmsKeyId,
        Map<String, String> tags,
        Map<String, String> metadata,
        String contentType,
        String cacheControl,
        String acl,
        String expectedBucketOwner,
        boolean overwrite) {

    static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    /** Bucket defaults, no tags or metadata, overwrite allowed. */
    public static final ObjectOptions DEFAULTS =
            new ObjectOptions(null, null, null, Map.of(), Map.of(), null, null, null, null, true);

    public ObjectOptions {
        tags = Map.copyOf(tags);
        metadata = Map.copyOf(metadata);
    }

    /** The Content-Type sent: the configured or detected one, else application/octet-stream. */
    String contentTypeOrDefault() {
        return contentType == null ? DEFAULT_CONTENT_TYPE : contentType;
    }

    /**
     * Only configured options become headers: the SDK's {@code tagging(Tagging)} turns a null tag set into an
     * empty {@code x-amz-tagging:} header, which stores that do not model tagging refuse (S3Proxy: 501), so tags
     * and metadata are set only when there are any.
     */
    PutObjectRequest.Builder applyTo(PutObjectRequest.Builder put) {
        put.storageClass(storageClass).serverSideEncryption(serverSideEncryption).ssekmsKeyId(kmsKeyId)
                .contentType(contentTypeOrDefault()).cacheControl(cacheControl)
                .acl(acl).expectedBucketOwner(expectedBucketOwner).ifNoneMatch(overwrite ? null : "*");
        if (!tags.isEmpty()) {
            put.tagging(tagging());
        }
        if (!metadata.isEmpty()) {
            put.metadata(metadataHeaders());
        }
        return put;
    }

    /** The options as headers of a CreateMultipartUpload (also one whose parts a presigned client sends). */
    public CreateMultipartUploadRequest.Builder applyTo(CreateMultipartUploadRequest.Builder create) {
        create.storageClass(storageClass).serverSideEncryption(serverSideEncryption).ssekmsKeyId(kmsKeyId)
                .contentType(contentTypeOrDefault()).cacheControl(cacheControl)
                .acl(acl).expectedBucketOwner(expectedBucketOwner);
        if (!tags.isEmpty()) {
            create.tagging(tagging());
        }
        if (!metadata.isEmpty()) {
            create.metadata(metadataHeaders());
        }
        return create;
    }

    /** The metadata as sent: non-ASCII values as RFC 2047 encoded words ({@link MetadataValues#encode}). */
    Map<String, String> metadataHeaders() {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        metadata.forEach((name, value) -> headers.put(name, MetadataValues.encode(value)));
        return headers;
    }

    Tagging tagging() {
        return Tagging.builder()
                .tagSet(tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                        .toList())
                .build();
    }
}
