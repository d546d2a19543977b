package io.chute.e2e;

import io.chute.testing.SharedS3Servers;
import io.chute.observability.ChuteMetrics;
import io.chute.testing.InjectS3Server;
import io.chute.testing.S3Server;
import io.chute.testing.S3TestResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The drop folder as untrusted input, through the whole daemon pipeline against a real S3 server (S3Mock): a
 * sub-folder swapped for a symbolic link to an outside folder after discovery, NFC/NFD twins, two rules whose
 * files map to one key. Each test asserts the objects and their bytes, which sources remain where, the reason,
 * and that the outside file is untouched.
 */
@QuarkusTest
@TestProfile(HostileDropFolderTest.Profile.class)
class HostileDropFolderTest {

    static final String BUCKET = SharedS3Servers.jvmScoped("hostile-drop");

    public static class Profile implements QuarkusTestProfile {
        static Path root() {
            return Path.of("target", "e2e-hostile-contain").toAbsolutePath();
        }

        private boolean created;

        @Override
        public synchronized Map<String, String> getConfigOverrides() {
            if (!created) {
                try {
                    DropFolderProfile.deleteTree(root());
                    for (String dir : List.of("drop", "keep", "other", "outside")) {
                        Files.createDirectories(root().resolve(dir));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                created = true;
            }
            Map<String, String> p = new HashMap<>();
            p.put("chute.daemon", "true");
            p.put("chute.state-dir", root().resolve("state").toString());
            p.put("chute.watch.stability-tick", "100ms");
            rule(p, 0, "drop", "delete", "drop/");
            // a long quiet period: the test swaps the sub-folder after discovery, well before the upload
            p.put("chute.rules[0].quiet-period", "5s");
            rule(p, 1, "keep", "keep", "shared/");
            rule(p, 2, "other", "delete", "shared/");
            return p;
        }

        private static void rule(Map<String, String> p, int i, String name, String after, String prefix) {
            String at = "chute.rules[" + i + "].";
            p.put(at + "name", name);
            p.put(at + "path", root().resolve(name).toString());
            p.put(at + "bucket", BUCKET);
            p.put(at + "prefix", prefix);
            p.put(at + "quiet-period", "1s");
            p.put(at + "after-upload", after);
            p.put(at + "quarantine-dir", root().resolve("quarantine-" + name).toString());
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(S3TestResource.class, Map.of(S3TestResource.ARG_SERVER, "s3mock",
                    S3TestResource.ARG_BUCKETS, BUCKET)));
        }
    }

    @InjectS3Server
    S3Server server;
    @Inject
    MeterRegistry registry;

    private static Path in(String folder, String name) {
        return Profile.root().resolve(folder).resolve(name);
    }

    private List<String> keys(S3Client s3, String prefix) {
        return s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream().map(S3Object::key).sorted()
                .toList();
    }

    private static String object(S3Client s3, String key) {
        return s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asUtf8String();
    }

    private double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void subFolderSwappedForALinkToAnOutsideFolder_afterDiscovery_outsideFileIsNeitherUploadedNorDeleted()
            throws Exception {
        Path outside = Files.writeString(in("outside", "a.txt"), "outside secret, must stay");
        Path sub = Files.createDirectories(in("drop", "sub"));
        double discovered = count(ChuteMetrics.FILES_DISCOVERED, "rule", "drop");
        Files.writeString(sub.resolve("a.txt"), "inside");
        await().atMost(Duration.ofSeconds(20)).until(() -> count(ChuteMetrics.FILES_DISCOVERED, "rule", "drop")
                > discovered);
        Files.move(sub, in("drop", "sub.orig"));
        Files.createSymbolicLink(sub, Profile.root().resolve("outside"));

        await().atMost(Duration.ofSeconds(60)).until(() -> count(ChuteMetrics.SOURCES_KEPT, "rule", "drop",
                "reason", "outside_root") >= 1);
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> keys(s3, "drop/sub.orig/").size() == 1);
            assertThat(keys(s3, "drop/sub/")).as("nothing under the swapped folder's key").isEmpty();
            assertThat(object(s3, "drop/sub.orig/a.txt")).isEqualTo("inside");
        }
        assertThat(outside).hasContent("outside secret, must stay");
        assertThat(in("drop", "sub")).isSymbolicLink();
    }

    @Test
    void nfcAndNfdTwins_oneObjectWithTheFirstFilesBytes_theOtherQuarantinedWithKeyCollision() throws Exception {
        String nfc = Normalizer.normalize("twin-café.txt", Normalizer.Form.NFC);
        String nfd = Normalizer.normalize("twin-café.txt", Normalizer.Form.NFD);
        Path dir = Files.createDirectories(in("drop", "twins"));
        Path first = Files.writeString(dir.resolve("." + nfc + ".tmp"), "first: NFC");
        Files.setLastModifiedTime(first, FileTime.from(Instant.now().minusSeconds(30)));
        Path second = Files.writeString(dir.resolve("." + nfd + ".tmp"), "second: NFD");
        // both appear at once (renamed into place), so neither is uploaded before the other exists
        Files.move(first, dir.resolve(nfc));
        Files.move(second, dir.resolve(nfd));

        Path quarantined = Profile.root().resolve("quarantine-drop").resolve("twins").resolve(nfd);
        Path reason = quarantined.resolveSibling(nfd + ".reason");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(reason));
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(dir.resolve(nfc)));
            assertThat(keys(s3, "drop/twins/")).containsExactly("drop/twins/" + nfc);
            assertThat(object(s3, "drop/twins/" + nfc)).isEqualTo("first: NFC");
        }
        assertThat(quarantined).hasContent("second: NFD");
        assertThat(Files.readString(reason)).contains("key_collision").contains(dir.resolve(nfc).toString())
                .contains(dir.resolve(nfd).toString());
    }

    @Test
    void twoRulesWhoseFilesMapToOneKey_theLaterIsQuarantined_theFirstObjectKept() throws Exception {
        Path kept = Files.writeString(in("keep", "data.csv"), "from rule keep");
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> keys(s3, "shared/").contains("shared/data.csv"));
            Path later = Files.writeString(in("other", "data.csv"), "from rule other");
            Path reason = Profile.root().resolve("quarantine-other").resolve("data.csv.reason");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(reason));

            assertThat(object(s3, "shared/data.csv")).isEqualTo("from rule keep");
            assertThat(Files.readString(reason)).contains("key_collision").contains(kept.toString())
                    .contains(later.toString());
            assertThat(Profile.root().resolve("quarantine-other").resolve("data.csv")).hasContent("from rule other");
            assertThat(kept).hasContent("from rule keep");
        }
    }
}
