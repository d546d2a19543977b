package io.chute.multipart;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Confirms with HeadObject that the stored object has the expected size and checksum. Accepted evidence, in
 * order: the CRC32C S3 reports (whole-object for PutObject, composite "crc-of-crcs-N" for multipart), else an
 * MD5 ETag (plain, or "md5-of-md5s-N" for multipart). A store that reports neither cannot be verified and the
 * source is kept: integrity is never skipped silently.
 */
final class ObjectVerifier {

    private final S3Client s3;

    ObjectVerifier(S3Client s3) {
        this.s3 = s3;
    }

    /** {@code fullObjectCrc} is the combined CRC32C of a multipart object (FULL_OBJECT type), else null. */
    ObjectProof verify(ObjectRequest request, List<PartDigest> parts, boolean multipart, String fullObjectCrc)
            throws VerificationFailedException {
        String bucket = request.bucket();
        String key = request.key();
        long size = request.identity().sizeInBytes();
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED)
                .expectedBucketOwner(request.options().expectedBucketOwner()));
        Optional<ObjectProof> proof = match(bucket, key, size, parts, multipart, fullObjectCrc, head);
        if (proof.isEmpty()) {
            throw new VerificationFailedException("bucket=" + bucket + " key=" + key + " HeadObject reported size "
                    + head.contentLength() + " crc32c " + head.checksumCRC32C() + " etag " + head.eTag()
                    + "; expected size " + size + " and " + expectedCrc(parts, multipart) + " or etag "
                    + expectedEtag(parts, multipart));
        }
        return proof.get();
    }

    /** HeadObject of the request's key; empty when no object is stored there. */
    Optional<HeadObjectResponse> head(ObjectRequest request) {
        try {
            return Optional.of(s3.headObject(b -> b.bucket(request.bucket()).key(request.key())
                    .checksumMode(ChecksumMode.ENABLED).expectedBucketOwner(request.options().expectedBucketOwner())));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Whether an object already stored under the key is this file (used when a checkpointed upload no longer
     * exists: it may have completed just before a crash). Reads the whole file to compute the expected digests.
     */
    Optional<ObjectProof> existing(ObjectRequest request, FileChannel channel, PartPlan plan) throws IOException {
        Optional<HeadObjectResponse> stored = head(request);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        return existing(request, channel, plan, stored.get());
    }

    /**
     * As {@link #existing(ObjectRequest, FileChannel, PartPlan)} for an object already read with HeadObject; the
     * file is read only when the sizes agree.
     */
    Optional<ObjectProof> existing(ObjectRequest request, FileChannel channel, PartPlan plan, HeadObjectResponse head)
            throws IOException {
        if (head.contentLength() == null || head.contentLength() != request.identity().sizeInBytes()) {
            return Optional.empty();
        }
        List<PartDigest> digests = new ArrayList<>();
        List<CompletedPart> parts = new ArrayList<>();
        for (int n = 1; n <= plan.partCount(); n++) {
            PartDigest d = PartDigest.of(channel, plan.offsetOf(n), plan.lengthOf(n));
            digests.add(d);
            parts.add(new CompletedPart(n, plan.lengthOf(n), "", d.crc32cBase64(), d.md5Base64()));
        }
        return match(request.bucket(), request.key(), request.identity().sizeInBytes(), digests, true,
                Crc32cCombine.fullObjectCrc32c(parts), head);
    }

    private static Optional<ObjectProof> match(String bucket, String key, long size, List<PartDigest> parts,
                                               boolean multipart, String fullObjectCrc, HeadObjectResponse head) {
        if (head.contentLength() == null || head.contentLength() != size) {
            return Optional.empty();
        }
        String etag = unquote(head.eTag());
        String crc = head.checksumCRC32C();
        if (crc != null) {
            return crc.equals(expectedCrc(parts, multipart)) || crc.equals(fullObjectCrc)
                    ? Optional.of(new ObjectProof(bucket, key, size, etag, crc, "crc32c"))
                    : Optional.empty();
        }
        if (etag != null && etag.equals(expectedEtag(parts, multipart))) {
            return Optional.of(new ObjectProof(bucket, key, size, etag, null, "md5-etag"));
        }
        return Optional.empty();
    }

    private static String expectedCrc(List<PartDigest> parts, boolean multipart) {
        return multipart
                ? PartDigest.compositeCrc32c(parts.stream().map(PartDigest::crc32c).toList())
                : parts.get(0).crc32cBase64();
    }

    private static String expectedEtag(List<PartDigest> parts, boolean multipart) {
        return multipart
                ? PartDigest.multipartEtag(parts.stream().map(PartDigest::md5).toList())
                : parts.get(0).md5Hex();
    }

    static String unquote(String etag) {
        if (etag == null) {
            return null;
        }
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }
}
