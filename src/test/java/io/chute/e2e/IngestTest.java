package io.chute.e2e;

import io.chute.daemon.Pipeline;
import io.chute.observability.ChuteMetrics;
import io.chute.testing.Files2;
import io.chute.testing.InjectS3Server;
import io.chute.testing.S3Server;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static io.chute.e2e.IngestProfile.BUCKET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** How files arrive in real drop folders, end to end against S3Mock over HTTP. */
@QuarkusTest
@TestProfile(IngestProfile.class)
class IngestTest {

    static final long MIB = 1024 * 1024;

    @InjectS3Server
    S3Server server;
    @Inject
    MeterRegistry registry;
    @Inject
    Pipeline pipeline;

    private static Path folder(String rule) {
        return IngestProfile.root().resolve(rule);
    }

    private double counter(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private static boolean exists(S3Client s3, String key) {
        return io.chute.testing.S3Objects.exists(s3, BUCKET, key);
    }

    private static String objectSha(S3Client s3, String key) throws IOException {
        return io.chute.testing.S3Objects.sha256(s3, BUCKET, key);
    }

    private static Set<String> keysUnder(S3Client s3, String prefix) {
        Set<String> keys = new HashSet<>();
        s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream().map(S3Object::key)
                .forEach(keys::add);
        return keys;
    }

    private static boolean noMultipartUploadFor(S3Client s3, String key) {
        return s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key)).uploads().isEmpty();
    }

    @Test
    void burstOfThousandsOfFilesInFoldersCreatedWhileRunning_eachUploadedExactlyOnce_noneLeftBehind() throws Exception {
        int perDir = 100;
        int dirs = Integer.getInteger("chutetest.burst-files", 2000) / perDir;
        Set<String> expected = new HashSet<>();
        byte[] content = new byte[4096];
        new Random(3).nextBytes(content);
        for (int d = 0; d < dirs; d++) {
            Path dir = Files.createDirectories(folder("burst").resolve("batch-" + d).resolve("level2"));
            for (int f = 0; f < perDir; f++) {
                Files.write(dir.resolve("file-" + f + ".dat"), content);
                expected.add("burst/batch-" + d + "/level2/file-" + f + ".dat");
            }
        }
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofMinutes(dirs / 4 + 2)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> keysUnder(s3, "burst/").size() >= expected.size());
            assertThat(keysUnder(s3, "burst/")).isEqualTo(expected);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                try (var files = Files.walk(folder("burst"))) {
                    assertThat(files.filter(Files::isRegularFile)).as("sources left behind").isEmpty();
                }
            });
        }
        assertThat(counter(ChuteMetrics.FILES_UPLOADED, "rule", "burst")).as("uploads, counting repeats")
                .isEqualTo(expected.size());
    }

    @Test
    void markerMode_uploadsOnlyOnceTheMarkerAppears_andRemovesBoth() throws Exception {
        Path data = folder("marker").resolve("scan-0001.tif");
        String sha = Files2.writeRandom(data, 2 * MIB, 11);
        double overdueBefore = counter(ChuteMetrics.FILES_NOT_STABILIZING, "rule", "marker");
        try (S3Client s3 = server.newClient()) {
            // positive evidence that it is held for want of its marker: the gate reports it not stable after the
            // rule's max-stabilize (3 s, three quiet periods, in IngestProfile) and still holds it
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    counter(ChuteMetrics.FILES_NOT_STABILIZING, "rule", "marker") > overdueBefore);
            assertThat(pipeline.status().orElseThrow().report().waiting()).as("held by the gate")
                    .filteredOn(w -> w.path().equals(data.toString())).singleElement()
                    .satisfies(w -> assertThat(w.state()).hasToString("STABILIZING"));
            assertThat(exists(s3, "marker/scan-0001.tif")).isFalse();
            Files.writeString(data.resolveSibling("scan-0001.tif.done"), "");
            await().atMost(Duration.ofSeconds(20)).until(() -> exists(s3, "marker/scan-0001.tif"));
            assertThat(objectSha(s3, "marker/scan-0001.tif")).isEqualTo(sha);
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(data)
                    && !Files.exists(data.resolveSibling("scan-0001.tif.done")));
            assertThat(exists(s3, "marker/scan-0001.tif.done")).as("markers are never uploaded").isFalse();
        }
    }

    @Test
    void pollModeFolder_hasNoEventWatch_andItsFilesAreFoundByPolling() throws Exception {
        assertThat(pipeline.discoveryModes().get("poll")).startsWith("poll every PT1S");
        Path file = Files.createDirectories(folder("poll").resolve("nfs-like")).resolve("export.csv");
        Files.writeString(file, "a,b,c\n");
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(15)).until(() -> exists(s3, "poll/nfs-like/export.csv"));
        }
    }

    @Test
    void moveRule_archivesIntoTodaysDatedFolder() throws Exception {
        String sha = Files2.writeRandom(folder("archive").resolve("daily.bin"), 1000, 5);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Path archived = IngestProfile.root().resolve(String.format("archived/%04d/%02d/%02d/daily.bin",
                today.getYear(), today.getMonthValue(), today.getDayOfMonth()));
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(archived));
        try (S3Client s3 = server.newClient(); var in = Files.newInputStream(archived)) {
            assertThat(objectSha(s3, "archive/daily.bin")).isEqualTo(sha).isEqualTo(Files2.sha256(in));
        }
    }

    @Test
    void renameIntoPlace_uploadsTheCompleteFileOnce_andNeverTheTempName() throws Exception {
        Path temp = folder("big").resolve("renamed.bin.tmp");
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[MIB_INT];
        Random random = new Random(8);
        try (OutputStream out = Files.newOutputStream(temp)) {
            for (int i = 0; i < 12; i++) { // 12 MiB over ~2.4 s, longer than the 1 s quiet period
                random.nextBytes(chunk);
                out.write(chunk);
                out.flush();
                sha.update(chunk);
                Thread.sleep(200);
            }
        }
        Files.move(temp, temp.resolveSibling("renamed.bin"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> exists(s3, "big/renamed.bin"));
            assertThat(objectSha(s3, "big/renamed.bin")).isEqualTo(java.util.HexFormat.of().formatHex(sha.digest()));
            assertThat(exists(s3, "big/renamed.bin.tmp")).isFalse();
        }
    }

    private static final int MIB_INT = (int) MIB;

    /** Waits until the file's multipart upload has started (its sidecar exists). */
    private static void awaitUploadStarted(Path file) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> Files.exists(file.resolveSibling(file.getFileName() + ".upload_state")));
    }

    @Test
    void fileRewrittenDuringItsUpload_endsUpWithItsFinalContent_andNoStaleUpload() throws Exception {
        Path file = folder("big").resolve("rewritten.bin");
        double changedBefore = counter(ChuteMetrics.RETRIES, "reason", "source_changed");
        Files2.writeRandom(file, 150 * MIB, 21);
        awaitUploadStarted(file);
        String finalSha = Files2.writeRandom(file, 150 * MIB - 7, 22);
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofMinutes(2)).until(() -> !Files.exists(file));
            assertThat(objectSha(s3, "big/rewritten.bin")).isEqualTo(finalSha);
            assertThat(noMultipartUploadFor(s3, "big/rewritten.bin")).as("stale upload aborted").isTrue();
        }
        assertThat(counter(ChuteMetrics.RETRIES, "reason", "source_changed")).as("change seen mid-upload")
                .isGreaterThan(changedBefore);
    }

    @Test
    void fileDeletedDuringItsUpload_abortsTheUpload_withoutQuarantineOrObject() throws Exception {
        Path file = folder("big").resolve("deleted.bin");
        Files2.writeRandom(file, 150 * MIB, 31);
        awaitUploadStarted(file);
        Files.delete(file);
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> noMultipartUploadFor(s3, "big/deleted.bin"));
            await().atMost(Duration.ofSeconds(10)).until(() -> Files2.sidecarCount(folder("big")) == 0
                    || !Files.exists(file.resolveSibling("deleted.bin.upload_state")));
            assertThat(exists(s3, "big/deleted.bin")).isFalse();
        }
        assertThat(counter(ChuteMetrics.FILES_QUARANTINED, "rule", "big")).isZero();
    }
}
