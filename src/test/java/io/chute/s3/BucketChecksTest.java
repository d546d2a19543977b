package io.chute.s3;

import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRuleFilter;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bucket requests the daemon makes at start, against S3Mock. */
class BucketChecksTest {

    static S3Server server;
    static S3Client s3;

    @BeforeAll
    static void start() {
        server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK);
        s3 = server.newClient();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    @Test
    void bucketWithoutAnyLifecycleConfiguration_hasNoAbortRule_ratherThanAnUnreadableConfiguration() {
        String bucket = SharedS3Servers.freshBucket(server, "no-lifecycle");
        assertThat(BucketChecks.abortsIncompleteUploads(s3, bucket)).isFalse();
    }

    @Test
    void bucketWithAnAbortIncompleteUploadsRule_isRecognised() {
        String bucket = SharedS3Servers.freshBucket(server, "with-lifecycle");
        s3.putBucketLifecycleConfiguration(b -> b.bucket(bucket).lifecycleConfiguration(c -> c.rules(r -> r
                .id("abort-incomplete").status(ExpirationStatus.ENABLED).filter(LifecycleRuleFilter.builder().prefix("").build())
                .abortIncompleteMultipartUpload(a -> a.daysAfterInitiation(7)))));
        assertThat(BucketChecks.abortsIncompleteUploads(s3, bucket)).isTrue();
    }

    @Test
    void missingBucket_isAnErrorTheCallerReports() {
        assertThatThrownBy(() -> BucketChecks.abortsIncompleteUploads(s3, "no-such-bucket"))
                .isInstanceOf(NoSuchBucketException.class);
        assertThatThrownBy(() -> BucketChecks.reachable(s3, "no-such-bucket"))
                .isInstanceOf(software.amazon.awssdk.services.s3.model.S3Exception.class);
    }
}
