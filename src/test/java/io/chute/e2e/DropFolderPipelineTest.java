package io.chute.e2e;

import io.chute.testing.Files2;
import io.chute.testing.InjectS3Server;
import io.chute.testing.S3Server;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static io.chute.e2e.DropFolderProfile.BUCKET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole pipeline in-process (watch → stability → queue → upload → multipart → checkpoint → completion)
 * against a real S3 server process over HTTP. Subclasses pick the server.
 */
abstract class DropFolderPipelineTest {

    static final long MIB = 1024 * 1024;

    @InjectS3Server
    S3Server server;

    /** "s3mock", "s3proxy" or "ceph-rgw", matching the subclass's profile. */
    abstract String server();

    private Path root() {
        return DropFolderProfile.rootOf(server());
    }

    private Path folder(String rule) {
        return root().resolve(rule);
    }

    private String objectSha(S3Client s3, String key) throws IOException {
        return io.chute.testing.S3Objects.sha256(s3, BUCKET, key);
    }

    private static boolean exists(S3Client s3, String key) {
        return io.chute.testing.S3Objects.exists(s3, BUCKET, key);
    }

    @Test
    void droppedFilesOfBoundarySizes_landByteIdentical_thenSourcesAndSidecarsAreGone() throws Exception {
        Map<String, Long> sizes = new LinkedHashMap<>();
        sizes.put("zero.bin", 0L);
        sizes.put("one.bin", 1L);
        sizes.put("under-5mib.bin", 5 * MIB - 1);
        sizes.put("exactly-5mib.bin", 5 * MIB);
        sizes.put("over-5mib.bin", 5 * MIB + 1);
        sizes.put("nested/forty-mib.bin", 40 * MIB);
        Map<String, String> shas = new LinkedHashMap<>();
        long seed = 1;
        for (var e : sizes.entrySet()) {
            shas.put(e.getKey(), Files2.writeRandom(folder("del").resolve(e.getKey()), e.getValue(), seed++));
        }
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                for (String name : sizes.keySet()) {
                    assertThat(Files.exists(folder("del").resolve(name))).as(name + " deleted after upload").isFalse();
                }
            });
            for (var e : shas.entrySet()) {
                assertThat(objectSha(s3, "del/" + e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
        assertThat(Files2.sidecarCount(folder("del"))).isZero();
    }

    @Test
    void fileInFolderBeforeStart_isUploaded() throws Exception {
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> exists(s3, "del/" + DropFolderProfile.PREEXISTING));
            String expected = Files2.writeRandom(root().resolve("expected-preexisting"),
                    DropFolderProfile.PREEXISTING_SIZE, DropFolderProfile.PREEXISTING_SEED);
            assertThat(objectSha(s3, "del/" + DropFolderProfile.PREEXISTING)).isEqualTo(expected);
        }
    }

    @Test
    void fileStillBeingWritten_isNotUploadedBeforeItIsComplete() throws Exception {
        Path file = folder("slow").resolve("slow-writer.log");
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[64 * 1024];
        Random random = new Random(42);
        try (S3Client s3 = server.newClient(); OutputStream out = Files.newOutputStream(file)) {
            long until = System.nanoTime() + Duration.ofSeconds(7).toNanos(); // over two quiet periods
            while (System.nanoTime() < until) {
                random.nextBytes(chunk);
                out.write(chunk);
                out.flush();
                sha.update(chunk);
                Thread.sleep(300);
                assertThat(exists(s3, "slow/slow-writer.log")).as("uploaded while still being written").isFalse();
            }
        }
        String expected = java.util.HexFormat.of().formatHex(sha.digest());
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(file));
            assertThat(objectSha(s3, "slow/slow-writer.log")).isEqualTo(expected);
        }
    }

    @Test
    void moveRule_movesSourceIntoArchiveOnlyAfterVerifiedUpload() throws Exception {
        String sha = Files2.writeRandom(folder("mv").resolve("sub/report.csv"), 12 * MIB + 3, 99);
        Path archived = root().resolve("archive/sub/report.csv");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(archived));
        assertThat(folder("mv").resolve("sub/report.csv")).doesNotExist();
        try (S3Client s3 = server.newClient()) {
            assertThat(objectSha(s3, "moved/report.csv")).isEqualTo(sha);
        }
        try (var in = Files.newInputStream(archived)) {
            assertThat(Files2.sha256(in)).isEqualTo(sha);
        }
    }

    @Test
    void tempAndHiddenFiles_areNeverUploaded() throws Exception {
        Files.writeString(folder("del").resolve("download.part"), "partial");
        Files.writeString(folder("del").resolve(".hidden"), "hidden");
        Files2.writeRandom(folder("del").resolve("marker-after.bin"), 10, 5);
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> exists(s3, "del/marker-after.bin"));
            assertThat(exists(s3, "del/download.part")).isFalse();
            assertThat(exists(s3, "del/.hidden")).isFalse();
        }
        assertThat(folder("del").resolve("download.part")).exists();
    }
}
