package io.chute.observability;

import io.chute.testing.SharedS3Servers;
import io.chute.testing.S3TestResource;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon in-process against S3Mock, with four rules for the management-interface tests: {@code main}
 * (1 s quiet period, 5 MiB parts sent one at a time so progress is observable), {@code slow} (a quiet period
 * of an hour, so its files stay STABILIZING), {@code spare} (its folder is removed by a test) and
 * {@code orphaned} (its bucket {@value #OTHER_BUCKET} is deleted by a test).
 */
public class ManagementProfile implements QuarkusTestProfile {

    // the S3 server is shared by every test class of the JVM: buckets no other profile uses
    public static final String BUCKET = SharedS3Servers.jvmScoped("management");
    public static final String OTHER_BUCKET = SharedS3Servers.jvmScoped("management-other");

    /** A fixed path: Quarkus instantiates profiles in its own class loader, statics set there are not shared. */
    public static Path root() {
        return Path.of("target", "management-test").toAbsolutePath();
    }

    public static Path folder(String rule) {
        return root().resolve(rule);
    }

    private boolean created;

    @Override
    public synchronized Map<String, String> getConfigOverrides() {
        if (!created) {
            createFolders();
            created = true;
        }
        Map<String, String> p = new HashMap<>();
        p.put("chute.daemon", "true");
        p.put("chute.state-dir", root().resolve("state").toString());
        p.put("chute.upload.multipart-threshold", "5M");
        p.put("chute.upload.part-size", "5M");
        p.put("chute.upload.parts-in-flight", "1");
        p.put("chute.upload.workers", "2");
        p.put("chute.upload.retry-backoff", "1s");
        p.put("chute.watch.stability-tick", "100ms");
        rule(p, 0, "main", BUCKET, "1s", "delete");
        rule(p, 1, "slow", BUCKET, "1h", "keep");
        rule(p, 2, "spare", BUCKET, "1s", "delete");
        rule(p, 3, "orphaned", OTHER_BUCKET, "1s", "delete");
        return p;
    }

    private static void rule(Map<String, String> p, int i, String name, String bucket, String quiet, String after) {
        String r = "chute.rules[" + i + "].";
        p.put(r + "name", name);
        p.put(r + "path", folder(name).toString());
        p.put(r + "bucket", bucket);
        p.put(r + "prefix", name + "/");
        p.put(r + "quiet-period", quiet);
        p.put(r + "after-upload", after);
    }

    private static void createFolders() {
        try {
            if (Files.exists(root())) {
                try (var paths = Files.walk(root())) {
                    for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            for (String rule : List.of("main", "slow", "spare", "orphaned", "staging")) {
                Files.createDirectories(folder(rule));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(S3TestResource.class, Map.of(S3TestResource.ARG_SERVER, "s3mock",
                S3TestResource.ARG_BUCKETS, BUCKET + "," + OTHER_BUCKET)));
    }
}
