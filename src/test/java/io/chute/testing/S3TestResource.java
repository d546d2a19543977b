package io.chute.testing;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource that points {@code @QuarkusTest} and {@code @QuarkusIntegrationTest} classes at the test
 * JVM's shared S3 server of a kind ({@link SharedS3Servers}) and gives them their own empty buckets.
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(value = S3TestResource.class,
 *         initArgs = {@ResourceArg(name = "server", value = "s3proxy"),
 *                     @ResourceArg(name = "buckets", value = "upload-test,upload-test-other")},
 *         restrictToAnnotatedClass = true)
 * class UploadTest {
 *     @InjectS3Server
 *     S3Server s3;   // the running server, e.g. s3.newClient() to check what was uploaded
 * }
 * }</pre>
 *
 * <p>Init args: {@value #ARG_SERVER} = {@code s3mock} (default), {@code s3proxy} or {@code ceph-rgw};
 * {@value #ARG_BUCKETS} = comma-separated bucket names (default {@value #DEFAULT_BUCKET}). The server is shared
 * with every other test of the JVM, so a profile names buckets no other profile uses; each start empties them
 * (creates them, or deletes what an earlier start of the same profile left), so a test sees only its own objects.
 *
 * <p>Contract: {@link #start()} returns the {@code chute.s3.*} config (endpoint, region, path-style, access key id,
 * secret access key) only after the server answers and the buckets exist and are empty. {@link #stop()} leaves the
 * server running (it stops when the JVM exits) and the objects in place for a post-mortem.
 */
public class S3TestResource implements QuarkusTestResourceLifecycleManager {

    public static final String ARG_SERVER = "server";
    public static final String ARG_BUCKETS = "buckets";
    public static final String DEFAULT_BUCKET = SharedS3Servers.jvmScoped("chute-test");

    private S3Server.Store store = S3Server.Store.S3MOCK;
    private List<String> buckets = List.of(DEFAULT_BUCKET);
    private volatile S3Server server;

    @Override
    public void init(Map<String, String> args) {
        String serverArg = args.getOrDefault(ARG_SERVER, "s3mock").trim();
        try {
            store = S3Server.Store.valueOf(serverArg.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("S3TestResource arg '" + ARG_SERVER + "' must be s3mock, s3proxy or"
                    + " ceph-rgw, was '" + serverArg + "'", e);
        }
        String bucketsArg = args.get(ARG_BUCKETS);
        if (bucketsArg != null) {
            buckets = Arrays.stream(bucketsArg.split(",")).map(String::trim).filter(b -> !b.isEmpty()).toList();
        }
    }

    @Override
    public Map<String, String> start() {
        S3Server shared = SharedS3Servers.get(store);
        try {
            buckets.forEach(b -> SharedS3Servers.emptyBucket(shared, b));
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not prepare buckets " + buckets + " on " + shared
                    + "; log " + shared.logFile(), e);
        }
        server = shared;
        return Map.of(
                "chute.s3.endpoint", shared.endpoint().toString(),
                "chute.s3.region", shared.region(),
                "chute.s3.path-style", "true",
                "chute.s3.access-key-id", shared.accessKey(),
                "chute.s3.secret-access-key", shared.secretKey());
    }

    @Override
    public void inject(TestInjector testInjector) {
        S3Server running = server;
        if (running != null) {
            testInjector.injectIntoFields(running,
                    new TestInjector.AnnotatedAndMatchesType(InjectS3Server.class, S3Server.class));
        }
    }

    @Override
    public void stop() {
        server = null; // shared: the server keeps running for the next test class
    }
}
