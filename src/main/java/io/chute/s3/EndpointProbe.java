package io.chute.s3;

import org.jboss.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Finds out which guarantees a bucket's endpoint honours, by writing small objects under the reserved prefix
 * {@value #PREFIX} and deleting them again: whether {@code If-None-Match: *} is enforced (no-overwrite rules rely
 * on it), and whether a CRC32C sent with an object is both checked (a wrong one is refused) and reported back by
 * HeadObject (Chute's verification relies on it). Never writes outside the prefix; never throws.
 */
public final class EndpointProbe {

    public static final String PREFIX = ".chute-probe/";
    private static final Logger LOG = Logger.getLogger(EndpointProbe.class);
    private static final byte[] BODY = "chute endpoint probe".getBytes(StandardCharsets.UTF_8);

    /**
     * What one bucket's endpoint honours. {@code detail} says why a guarantee is missing, or that the probe itself
     * failed (then both flags are false: unknown).
     */
    public record Guarantees(String bucket, boolean conditionalWrites, boolean crc32cChecksums, String detail,
                             boolean conditionalComplete) {

        public Guarantees(String bucket, boolean conditionalWrites, boolean crc32cChecksums, String detail) {
            this(bucket, conditionalWrites, crc32cChecksums, detail, conditionalWrites);
        }
    }

    private EndpointProbe() {
    }

    /**
     * A probe's multipart upload lives for a few requests; one older than this was left by a process killed in
     * the middle of its probe, and nobody else would ever abort it (the probe does not go through the ledger).
     */
    static final Duration STALE_PROBE_UPLOAD = Duration.ofHours(1);

    public static Guarantees probe(S3Client s3, String bucket) {
        abortStaleProbeUploads(s3, bucket, STALE_PROBE_UPLOAD, Instant.now());
        String key = PREFIX + UUID.randomUUID();
        String badKey = key + "-bad-checksum";
        List<String> written = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*").checksumCRC32C(crc32c(BODY)),
                    RequestBody.fromBytes(BODY));
            written.add(key);
            boolean conditional = refusesSecondWrite(s3, bucket, key, notes);
            String reported = s3.headObject(b -> b.bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED))
                    .checksumCRC32C();
            if (!crc32c(BODY).equals(reported)) {
                notes.add("HeadObject reports CRC32C " + reported + " instead of " + crc32c(BODY));
            }
            boolean checked = refusesWrongChecksum(s3, bucket, badKey, written, notes);
            boolean conditionalComplete = refusesCompleteOverExisting(s3, bucket, key, notes);
            return new Guarantees(bucket, conditional, checked && crc32c(BODY).equals(reported), String.join("; ", notes),
                    conditionalComplete);
        } catch (RuntimeException e) {
            return new Guarantees(bucket, false, false, "probe failed: " + e.getMessage(), false);
        } finally {
            for (String k : written) {
                deleteQuietly(s3, bucket, k);
            }
        }
    }

    /** Logs the result: info when every guarantee holds, a warning naming each missing one otherwise. */
    public static void log(Guarantees g) {
        String line = "bucket=" + g.bucket() + " endpoint guarantees: conditional writes (If-None-Match) "
                + (g.conditionalWrites() ? "enforced" : "NOT enforced") + ", on CompleteMultipartUpload "
                + (g.conditionalComplete() ? "enforced" : "NOT enforced") + ", CRC32C checksums "
                + (g.crc32cChecksums() ? "checked and stored" : "NOT honoured")
                + (g.detail().isEmpty() ? "" : " (" + g.detail() + ")");
        if (g.conditionalWrites() && g.conditionalComplete() && g.crc32cChecksums()) {
            LOG.info(line);
        } else {
            LOG.warn(line);
        }
    }

    private static boolean refusesSecondWrite(S3Client s3, String bucket, String key, List<String> notes) {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromBytes(BODY));
            notes.add("a second write with If-None-Match: * was accepted");
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return true;
            }
            notes.add("If-None-Match: * answered " + e.statusCode() + " instead of 412");
            return false;
        }
    }

    /**
     * A multipart upload completed with {@code If-None-Match: *} over the existing probe object {@code key}: 412
     * means the condition is enforced on Complete too (Ceph RGW 16 ignores it there and overwrites).
     */
    private static boolean refusesCompleteOverExisting(S3Client s3, String bucket, String key, List<String> notes) {
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        } catch (S3Exception e) {
            notes.add("CreateMultipartUpload answered " + e.statusCode() + "; conditional Complete not probed");
            return false;
        }
        boolean completed = false;
        try {
            String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(1),
                    RequestBody.fromBytes(BODY)).eTag();
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId).ifNoneMatch("*")
                    .multipartUpload(m -> m.parts(p -> p.partNumber(1).eTag(etag))));
            completed = true;
            notes.add("CompleteMultipartUpload with If-None-Match: * over an existing object was accepted");
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return true;
            }
            notes.add("If-None-Match: * on CompleteMultipartUpload answered " + e.statusCode() + " instead of 412");
            return false;
        } finally {
            if (!completed) {
                try {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
                } catch (RuntimeException gone) {
                    // already gone
                }
            }
        }
    }

    private static boolean refusesWrongChecksum(S3Client s3, String bucket, String badKey, List<String> written,
                                                List<String> notes) {
        byte[] other = "not the checksummed bytes".getBytes(StandardCharsets.UTF_8);
        try {
            s3.putObject(b -> b.bucket(bucket).key(badKey).checksumCRC32C(crc32c(BODY)), RequestBody.fromBytes(other));
            written.add(badKey);
            notes.add("an object with a wrong CRC32C was accepted");
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 400) {
                return true;
            }
            notes.add("a wrong CRC32C answered " + e.statusCode() + " instead of 400");
            return false;
        }
    }

    /**
     * Aborts multipart uploads under {@value #PREFIX} initiated before {@code now - olderThan}: probe uploads of a
     * process killed mid-probe. Touches nothing outside the reserved prefix; never throws. Returns how many.
     */
    static int abortStaleProbeUploads(S3Client s3, String bucket, Duration olderThan, Instant now) {
        int aborted = 0;
        try {
            for (MultipartUpload u : s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(PREFIX)).uploads()) {
                if (!u.key().startsWith(PREFIX) || u.initiated() == null
                        || !u.initiated().isBefore(now.minus(olderThan))) {
                    continue;
                }
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
                LOG.infof("bucket=%s key=%s uploadId=%s probe upload left by a process killed mid-probe aborted",
                        bucket, u.key(), u.uploadId());
                aborted++;
            }
        } catch (RuntimeException e) {
            LOG.debugf("bucket=%s stale probe uploads not swept: %s", bucket, e.getMessage());
        }
        return aborted;
    }

    private static void deleteQuietly(S3Client s3, String bucket, String key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (RuntimeException e) {
            LOG.warnf("bucket=%s key=%s probe object could not be deleted (%s); remove it by hand", bucket, key,
                    e.getMessage());
        }
    }

    static String crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
