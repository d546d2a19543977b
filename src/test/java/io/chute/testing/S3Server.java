package io.chute.testing;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A running S3-speaking server on loopback that tests talk to: {@link S3ServerProcess} (S3Mock, S3Proxy),
 * {@link CephRgw}, or a view of one shared by the whole test JVM ({@link SharedS3Servers}).
 */
public interface S3Server extends AutoCloseable {

    /** Every store the tests run. */
    enum Store {
        S3MOCK, S3PROXY, CEPH_RGW;

        /** The {@link S3ServerProcess} kind of this store; none for RGW. */
        public S3ServerProcess.Kind processKind() {
            return switch (this) {
                case S3MOCK -> S3ServerProcess.Kind.S3MOCK;
                case S3PROXY -> S3ServerProcess.Kind.S3PROXY;
                case CEPH_RGW -> throw new IllegalArgumentException("Ceph RGW is not an S3ServerProcess");
            };
        }

        public static Store of(S3ServerProcess.Kind kind) {
            return valueOf(kind.name());
        }
    }

    Store store();

    URI endpoint();

    String accessKey();

    String secretKey();

    default String region() {
        return S3ServerProcess.REGION;
    }

    /** Where the server logs (for failure messages). */
    Path logFile();

    /** The processes that serve it (one for S3Mock and S3Proxy; monitor, OSD and gateway for RGW). */
    java.util.List<Long> pids();

    /** Stops the server; a no-op for a view of a shared server (those stop when the JVM exits). */
    @Override
    void close();

    /** A new sync client for this server (caller closes it); checksums only where the API requires them. */
    default S3Client newClient() {
        return newClient(accessKey(), secretKey());
    }

    /** Like {@link #newClient()} with other credentials, e.g. a wrong secret to prove a server checks signatures. */
    default S3Client newClient(String accessKeyId, String secretAccessKey) {
        return client(endpoint(), region(), accessKeyId, secretAccessKey);
    }

    /** Creates a bucket (fails if the name is invalid or already taken). */
    default void createBucket(String bucket) {
        try (S3Client client = newClient()) {
            client.createBucket(b -> b.bucket(bucket));
        }
    }

    /**
     * Mutable Chute properties of a one-shot (no daemon) configuration whose {@code chute.s3} connection is this
     * server at {@code endpoint} (this server's, or a proxy in front of it), with state under {@code stateDir}.
     */
    default Map<String, String> chuteProperties(String endpoint, Path stateDir) {
        Map<String, String> p = new HashMap<>();
        p.put("chute.daemon", "false");
        p.put("chute.state-dir", stateDir.toString());
        p.put("chute.s3.endpoint", endpoint);
        p.put("chute.s3.region", region());
        p.put("chute.s3.path-style", "true");
        p.put("chute.s3.access-key-id", accessKey());
        p.put("chute.s3.secret-access-key", secretKey());
        return p;
    }

    /** A path-style sync client of {@code endpoint} with static keys, computing checksums only where required. */
    static S3Client client(URI endpoint, String region, String accessKeyId, String secretAccessKey) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
                .httpClientBuilder(ApacheHttpClient.builder())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }
}
