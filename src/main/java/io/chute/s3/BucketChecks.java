package io.chute.s3;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The bucket-level requests the daemon makes besides uploads: reachability and the lifecycle configuration. */
public final class BucketChecks {

    private BucketChecks() {
    }

    /** HeadBucket; throws the SDK's exception when the bucket is missing, refused or unreachable. */
    public static void reachable(S3Client s3, String bucket) {
        s3.headBucket(b -> b.bucket(bucket));
    }

    /**
     * Whether the bucket has a lifecycle rule that aborts incomplete multipart uploads (the only cleanup for an
     * upload orphaned before Chute recorded its id); throws when the configuration cannot be read.
     */
    public static boolean abortsIncompleteUploads(S3Client s3, String bucket) {
        try {
            return s3.getBucketLifecycleConfiguration(b -> b.bucket(bucket)).rules().stream()
                    .anyMatch(r -> r.abortIncompleteMultipartUpload() != null);
        } catch (S3Exception e) {
            if (e.awsErrorDetails() != null && NO_CONFIGURATION.equals(e.awsErrorDetails().errorCode())) {
                return false; // a bucket without any lifecycle configuration has no such rule either
            }
            throw e;
        }
    }

    private static final String NO_CONFIGURATION = "NoSuchLifecycleConfiguration";
}
