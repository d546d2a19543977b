package io.chute.testing;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;

/** Reading back what a test's application stored: does an object exist, and what are its bytes' SHA-256. */
public final class S3Objects {

    private S3Objects() {
    }

    /** Whether HeadObject finds the key (404 means no; any other error is the test's failure). */
    public static boolean exists(S3Client s3, String bucket, String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** Hex SHA-256 of the stored object's bytes. */
    public static String sha256(S3Client s3, String bucket, String key) throws IOException {
        try (var in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            return Files2.sha256(in);
        }
    }
}
