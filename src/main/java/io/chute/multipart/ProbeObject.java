package io.chute.multipart;

import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.Grant;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One probe object, written with a rule's options by PutObject and, over the same key, by a multipart upload of one
 * tiny part (a last part may be any size), each read back with {@link #readBack}; {@link #close} deletes it and
 * aborts an upload left open. One key for both writes saves a delete; the caller chooses a key under the reserved
 * probe prefix. Not thread-safe.
 */
public final class ProbeObject implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProbeObject.class);
    private static final byte[] BODY = "chute rule probe".getBytes(StandardCharsets.UTF_8);

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final ObjectOptions options;
    private String lastRequest = "";
    private String openUploadId;
    private boolean written;

    ProbeObject(S3Client s3, String bucket, String key, ObjectOptions options) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.options = options;
    }

    /** PutObject with the options; throws the SDK's exception when refused. */
    public void put() {
        lastRequest = "PutObject";
        s3.putObject(options.applyTo(PutObjectRequest.builder()).bucket(bucket).key(key).build(),
                RequestBody.fromBytes(BODY));
        written = true;
    }

    /**
     * CreateMultipartUpload with the options, one UploadPart, CompleteMultipartUpload; throws the SDK's exception
     * of the first refused request ({@link #lastRequest} names it).
     */
    public void multipart() {
        lastRequest = "CreateMultipartUpload";
        String uploadId = s3.createMultipartUpload(options.applyTo(CreateMultipartUploadRequest.builder())
                .bucket(bucket).key(key).build()).uploadId();
        openUploadId = uploadId;
        lastRequest = "UploadPart";
        String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(1)
                .expectedBucketOwner(options.expectedBucketOwner()), RequestBody.fromBytes(BODY)).eTag();
        lastRequest = "CompleteMultipartUpload";
        s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                .expectedBucketOwner(options.expectedBucketOwner())
                .multipartUpload(m -> m.parts(p -> p.partNumber(1).eTag(etag))));
        openUploadId = null;
        written = true;
    }

    /** The request sent last: after a refusal, the refused one. */
    public String lastRequest() {
        return lastRequest;
    }

    /**
     * What the store kept of the options on the object as it is now: HeadObject, plus GetObjectTagging where the
     * options have tags and GetObjectAcl where their canned ACL shows as a group grant. Never throws: a refused
     * (or failed) read leaves its part empty and is listed in {@link StoredOptions#unread}.
     */
    public StoredOptions readBack() {
        List<String> unread = new ArrayList<>();
        Optional<StoredOptions.Head> head = read("HeadObject", unread, () -> head(s3.headObject(b -> b.bucket(bucket)
                .key(key).expectedBucketOwner(options.expectedBucketOwner()))));
        Optional<Map<String, String>> tags = options.tags().isEmpty() ? Optional.empty()
                : read("GetObjectTagging", unread, this::tags);
        Optional<Set<String>> grants = StoredOptions.groupGrantsOf(options.acl()).isEmpty() ? Optional.empty()
                : read("GetObjectAcl", unread, this::groupGrants);
        return new StoredOptions(head, tags, grants, List.copyOf(unread));
    }

    private static <T> Optional<T> read(String request, List<String> unread, Supplier<T> read) {
        try {
            return Optional.of(read.get());
        } catch (SdkException e) {
            unread.add(request + ": " + (e instanceof S3Exception s3e ? s3e.statusCode() + " "
                    + (s3e.awsErrorDetails() == null ? "" : s3e.awsErrorDetails().errorCode()) : e.getMessage()));
            return Optional.empty();
        }
    }

    private static StoredOptions.Head head(HeadObjectResponse head) {
        Map<String, String> metadata = new HashMap<>();
        head.metadata().forEach((name, value) -> metadata.put(name.toLowerCase(Locale.ROOT),
                MetadataValues.decode(value)));
        String storageClass = head.storageClassAsString();
        return new StoredOptions.Head(storageClass == null ? "STANDARD" : storageClass,
                head.serverSideEncryptionAsString(), head.ssekmsKeyId(), Map.copyOf(metadata));
    }

    private Map<String, String> tags() {
        Map<String, String> stored = new HashMap<>();
        s3.getObjectTagging(b -> b.bucket(bucket).key(key).expectedBucketOwner(options.expectedBucketOwner()))
                .tagSet().forEach(t -> stored.put(t.key(), t.value()));
        return Map.copyOf(stored);
    }

    private Set<String> groupGrants() {
        Set<String> grants = new HashSet<>();
        for (Grant g : s3.getObjectAcl(b -> b.bucket(bucket).key(key)
                .expectedBucketOwner(options.expectedBucketOwner())).grants()) {
            String uri = g.grantee() == null ? null : g.grantee().uri();
            if (uri != null) { // e.g. http://acs.amazonaws.com/groups/global/AllUsers
                grants.add(uri.substring(uri.lastIndexOf('/') + 1) + ":" + g.permissionAsString());
            }
        }
        return Set.copyOf(grants);
    }

    /** Aborts an upload left open by a refusal and deletes the object; failures only warn. */
    @Override
    public void close() {
        if (openUploadId != null) {
            String uploadId = openUploadId;
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                        .expectedBucketOwner(options.expectedBucketOwner()));
            } catch (RuntimeException e) {
                LOG.warnf("bucket=%s key=%s probe upload %s could not be aborted (%s); the endpoint probe of a later"
                        + " start aborts it", bucket, key, uploadId, e.getMessage());
            }
        }
        if (written) {
            try {
                s3.deleteObject(b -> b.bucket(bucket).key(key).expectedBucketOwner(options.expectedBucketOwner()));
            } catch (RuntimeException e) {
                LOG.warnf("bucket=%s key=%s probe object could not be deleted (%s); remove it by hand", bucket, key,
                        e.getMessage());
            }
        }
    }
}
