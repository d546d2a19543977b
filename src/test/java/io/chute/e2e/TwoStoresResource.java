package io.chute.e2e;

import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TcpForwarder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Two real S3 servers and three rules for {@link TwoStoresTest}: rule {@code a} uses the global {@code chute.s3}
 * (the JVM's shared S3Mock), rule {@code b} overrides endpoint and keys (the JVM's shared S3Proxy, reached through
 * a {@link TcpForwarder} so that the test can stop b's store, by closing the forwarder, without stopping a server
 * other test classes share; S3Proxy checks signatures, so b's keys must be used), rule {@code c} overrides only the
 * profile with one that does not exist. Both servers have the same bucket, so an object on the wrong server would
 * not fail for want of a bucket.
 */
public class TwoStoresResource implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = SharedS3Servers.jvmScoped("two-stores"); // on S3Mock shared by every test class of the JVM

    /** The servers of a test run, injected into a field marked {@link io.chute.testing.InjectS3Server}. */
    public record Stores(S3Server global, S3Server ruleB) {
    }

    /** Rule b's store as the daemon sees it: the shared S3Proxy behind a forwarder; {@code close()} cuts it off. */
    record ForwardedStore(S3Server server, TcpForwarder forwarder) implements S3Server {
        @Override
        public Store store() {
            return server.store();
        }

        @Override
        public java.net.URI endpoint() {
            return forwarder.endpoint();
        }

        @Override
        public String accessKey() {
            return server.accessKey();
        }

        @Override
        public String secretKey() {
            return server.secretKey();
        }

        @Override
        public String region() {
            return server.region();
        }

        @Override
        public Path logFile() {
            return server.logFile();
        }

        @Override
        public java.util.List<Long> pids() {
            return server.pids();
        }

        @Override
        public void close() {
            forwarder.close(); // the shared S3Proxy itself keeps running for other test classes
        }
    }

    private volatile Stores stores;

    /** A fixed path: Quarkus loads resources in its own class loader, statics set here are not shared. */
    public static Path folder(String rule) {
        return Path.of("target", "e2e-two-stores", rule).toAbsolutePath();
    }

    @Override
    public Map<String, String> start() {
        S3Server global = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK);
        S3Server proxy = SharedS3Servers.get(S3ServerProcess.Kind.S3PROXY);
        S3Server ruleB = new ForwardedStore(proxy, TcpForwarder.to(proxy.endpoint()));
        stores = new Stores(global, ruleB);
        try {
            SharedS3Servers.emptyBucket(global, BUCKET);
            SharedS3Servers.emptyBucket(proxy, BUCKET);
            DropFolderProfile.deleteTree(folder("a").getParent());
            for (String rule : new String[] {"a", "b", "c"}) {
                Files.createDirectories(folder(rule));
            }
        } catch (IOException | RuntimeException e) {
            stop();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        Map<String, String> p = new HashMap<>();
        p.put("chute.daemon", "true");
        p.put("chute.state-dir", folder("state").toString());
        p.put("chute.watch.stability-tick", "100ms");
        p.put("chute.health.bucket-probe-interval", "2s"); // readiness follows a stopped store within seconds
        p.put("chute.s3.endpoint", global.endpoint().toString());
        p.put("chute.s3.region", global.region());
        p.put("chute.s3.path-style", "true");
        p.put("chute.s3.access-key-id", global.accessKey());
        p.put("chute.s3.secret-access-key", global.secretKey());
        rule(p, 0, "a");
        rule(p, 1, "b");
        p.put("chute.rules[1].s3.endpoint", ruleB.endpoint().toString());
        p.put("chute.rules[1].s3.access-key-id", ruleB.accessKey());
        p.put("chute.rules[1].s3.secret-access-key", ruleB.secretKey());
        rule(p, 2, "c");
        p.put("chute.rules[2].s3.profile", "chute-test-profile-that-does-not-exist");
        return p;
    }

    private static void rule(Map<String, String> p, int i, String name) {
        String r = "chute.rules[" + i + "].";
        p.put(r + "name", name);
        p.put(r + "path", folder(name).toString());
        p.put(r + "bucket", BUCKET);
        p.put(r + "prefix", name + "/");
        p.put(r + "quiet-period", "500ms");
    }

    @Override
    public void inject(TestInjector testInjector) {
        Stores running = stores;
        if (running != null) {
            testInjector.injectIntoFields(running, new TestInjector.AnnotatedAndMatchesType(
                    io.chute.testing.InjectS3Server.class, Stores.class));
        }
    }

    @Override
    public void stop() {
        Stores running = stores;
        stores = null;
        if (running != null) {
            running.ruleB().close();
        }
    }
}
