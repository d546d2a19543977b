package io.chute.e2e;

import io.chute.testing.SharedS3Servers;
import io.chute.testing.Files2;
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
 * Runs the real pipeline in-process against an S3 server process: two drop folders (one deleting, one moving
 * sources after upload), 5 MiB parts so small files exercise multipart, a 1 s quiet period, and a third folder
 * with a 3 s quiet period for a slow writer. A file is placed in the delete folder before the application starts.
 */
public abstract class DropFolderProfile implements QuarkusTestProfile {

    public static final String BUCKET = SharedS3Servers.jvmScoped("drop-folder"); // on a server shared by every test class of the JVM
    public static final String PREEXISTING = "preexisting.bin";

    /** Bytes of the file placed before start: seeded, so the test can recompute them. */
    public static final long PREEXISTING_SIZE = 300_000;
    public static final long PREEXISTING_SEED = 7;
    private Path root;

    abstract String server();

    /**
     * The profile's folder tree. A fixed path, not a static field: Quarkus instantiates profiles in its own
     * class loader, so statics set there are invisible to the test class.
     */
    public static Path rootOf(String server) {
        return Path.of("target", "e2e-" + server).toAbsolutePath();
    }

    public static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Quarkus may ask for the overrides more than once; the folders are created on the first call only. */
    @Override
    public synchronized Map<String, String> getConfigOverrides() {
        if (root == null) {
            createFolders();
        }
        return overrides();
    }

    private void createFolders() {
        try {
            root = rootOf(server());
            deleteTree(root);
            Files.createDirectories(root.resolve("del"));
            Files.createDirectories(root.resolve("mv"));
            Files.createDirectories(root.resolve("slow"));
            Files2.writeRandom(root.resolve("del").resolve(PREEXISTING), PREEXISTING_SIZE, PREEXISTING_SEED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> overrides() {
        Map<String, String> p = new HashMap<>();
        p.put("chute.daemon", "true");
        p.put("chute.state-dir", root.resolve("state").toString());
        p.put("chute.upload.multipart-threshold", "5M");
        p.put("chute.upload.part-size", "5M");
        p.put("chute.upload.parts-in-flight", "4");
        p.put("chute.watch.stability-tick", "100ms");
        rule(p, 0, "del", "1s", "delete");
        p.put("chute.rules[0].prefix", "del/");
        rule(p, 1, "mv", "1s", "move");
        p.put("chute.rules[1].key", "moved/{name}");
        p.put("chute.rules[1].archive-dir", root.resolve("archive").toString());
        // a quiet period ten times the slow writer's cadence, so a stalled test JVM is not a finished file
        rule(p, 2, "slow", "3s", "delete");
        p.put("chute.rules[2].prefix", "slow/");
        serverSpecific(p);
        return p;
    }

    /** Properties one server's profile adds to the three rules. */
    void serverSpecific(Map<String, String> p) {
    }

    /** Rule {@code index} named {@code name}, watching the folder of that name, into the test bucket. */
    private void rule(Map<String, String> p, int index, String name, String quietPeriod, String after) {
        String at = "chute.rules[" + index + "].";
        p.put(at + "name", name);
        p.put(at + "path", root.resolve(name).toString());
        p.put(at + "bucket", BUCKET);
        p.put(at + "quiet-period", quietPeriod);
        p.put(at + "after-upload", after);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(S3TestResource.class, Map.of(S3TestResource.ARG_SERVER, server(),
                S3TestResource.ARG_BUCKETS, BUCKET)));
    }

    public static final class S3Mock extends DropFolderProfile {
        @Override
        String server() {
            return "s3mock";
        }
    }

    /** The move rule asks for STANDARD_IA, which S3Proxy keeps on PutObject only (the status API names that). */
    public static final class S3Proxy extends DropFolderProfile {
        @Override
        String server() {
            return "s3proxy";
        }

        @Override
        void serverSpecific(Map<String, String> p) {
            p.put("chute.rules[1].storage-class", "standard-ia");
        }
    }

    public static final class CephRgw extends DropFolderProfile {
        @Override
        String server() {
            return "ceph-rgw";
        }
    }
}
