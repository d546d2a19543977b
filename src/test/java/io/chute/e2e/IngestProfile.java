package io.chute.e2e;

import io.chute.testing.SharedS3Servers;
import io.chute.testing.S3TestResource;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ingest scenarios in-process against S3Mock: a burst folder (delete), a marker folder, a polled folder, a
 * date-archived folder and a big-file folder uploaded one part at a time so a test can act mid-upload.
 */
public class IngestProfile implements QuarkusTestProfile {

    public static final String BUCKET = SharedS3Servers.jvmScoped("ingest"); // on a server shared by every test class of the JVM
    public static final List<String> RULES = List.of("burst", "marker", "poll", "archive", "big");
    private boolean created;

    /** A fixed path: Quarkus instantiates profiles in its own class loader, statics are not shared. */
    public static Path root() {
        return Path.of("target", "e2e-ingest").toAbsolutePath();
    }

    @Override
    public synchronized Map<String, String> getConfigOverrides() {
        if (!created) {
            try {
                DropFolderProfile.deleteTree(root());
                for (String rule : RULES) {
                    Files.createDirectories(root().resolve(rule));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            created = true;
        }
        Map<String, String> p = new HashMap<>();
        p.put("chute.daemon", "true");
        p.put("chute.state-dir", root().resolve("state").toString());
        p.put("chute.upload.multipart-threshold", "5M");
        p.put("chute.upload.part-size", "5M");
        p.put("chute.upload.parts-in-flight", "1");
        p.put("chute.upload.workers", "4");
        p.put("chute.watch.stability-tick", "100ms");
        for (int i = 0; i < RULES.size(); i++) {
            String rule = RULES.get(i);
            String at = "chute.rules[" + i + "].";
            p.put(at + "name", rule);
            p.put(at + "path", root().resolve(rule).toString());
            p.put(at + "bucket", BUCKET);
            p.put(at + "prefix", rule + "/");
            p.put(at + "quiet-period", "1s");
            p.put(at + "after-upload", "delete");
        }
        p.put("chute.rules[1].marker", ".done");
        p.put("chute.rules[1].max-stabilize", "3s"); // IngestTest waits for the "not stable" report, not a sleep
        p.put("chute.rules[2].watch-mode", "poll");
        p.put("chute.rules[2].poll-interval", "1s");
        p.put("chute.rules[3].after-upload", "move");
        p.put("chute.rules[3].archive-dir", root().resolve("archived/{yyyy}/{MM}/{dd}").toString());
        return p;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(S3TestResource.class, Map.of(S3TestResource.ARG_SERVER, "s3mock",
                S3TestResource.ARG_BUCKETS, BUCKET)));
    }
}
