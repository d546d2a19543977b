package io.chute.testing;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource that runs a real S3 server ({@link S3ServerProcess}) for {@code @QuarkusTest}
 * and {@code @QuarkusIntegrationTest} classes and points the application at it.
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(value = S3TestResource.class,
 *         initArgs = {@ResourceArg(name = "server", value = "s3proxy"),
 *                     @ResourceArg(name = "buckets", value = "chute-test,chute-other")},
 *         restrictToAnnotatedClass = true)
 * class UploadTest {
 *     @InjectS3Server
 *     S3ServerProcess s3;   // the running server, e.g. s3.newClient() to check what was uploaded
 * }
 * }</pre>
 *
 * <p>Init args: {@value #ARG_SERVER} = {@code s3mock} (default) or {@code s3proxy};
 * {@value #ARG_BUCKETS} = comma-separated bucket names to create (default {@value #DEFAULT_BUCKET}).
 *
 * <p>Contract: {@link #start()} returns the {@code chute.s3.*} config (endpoint, region, path-style,
 * access key id, secret access key) only after the server answers and the buckets exist; if bucket
 * creation fails the server is stopped before the exception propagates. {@link #stop()} kills the server
 * and is idempotent; Quarkus calls it after the test classes ran, failed or not, and
 * {@link S3ServerProcess}'s shutdown hook covers aborted runs.
 */
public class S3TestResource implements QuarkusTestResourceLifecycleManager {

    public static final String ARG_SERVER = "server";
    public static final String ARG_BUCKETS = "buckets";
    public static final String DEFAULT_BUCKET = "chute-test";

    private S3ServerProcess.Kind kind = S3ServerProcess.Kind.S3MOCK;
    private List<String> buckets = List.of(DEFAULT_BUCKET);
    private volatile S3ServerProcess server;

    @Override
    public void init(Map<String, String> args) {
        String serverArg = args.getOrDefault(ARG_SERVER, "s3mock").trim();
        try {
            kind = S3ServerProcess.Kind.valueOf(serverArg.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("S3TestResource arg '" + ARG_SERVER + "' must be s3mock or s3proxy, was '"
                    + serverArg + "'", e);
        }
        String bucketsArg = args.get(ARG_BUCKETS);
        if (bucketsArg != null) {
            buckets = Arrays.stream(bucketsArg.split(",")).map(String::trim).filter(b -> !b.isEmpty()).toList();
        }
    }

    @Override
    public Map<String, String> start() {
        S3ServerProcess started = S3ServerProcess.start(kind);
        try {
            buckets.forEach(started::createBucket);
        } catch (RuntimeException e) {
            started.close();
            throw new IllegalStateException("could not create buckets " + buckets + " on " + started
                    + "; log " + started.logFile(), e);
        }
        server = started;
        return Map.of(
                "chute.s3.endpoint", started.endpoint().toString(),
                "chute.s3.region", started.region(),
                "chute.s3.path-style", "true",
                "chute.s3.access-key-id", started.accessKey(),
                "chute.s3.secret-access-key", started.secretKey());
    }

    @Override
    public void inject(TestInjector testInjector) {
        S3ServerProcess running = server;
        if (running != null) {
            testInjector.injectIntoFields(running,
                    new TestInjector.AnnotatedAndMatchesType(InjectS3Server.class, S3ServerProcess.class));
        }
    }

    @Override
    public void stop() {
        S3ServerProcess running = server;
        server = null;
        if (running != null) {
            running.close();
        }
    }
}
