package io.chute.e2e;

import io.chute.testing.DaemonProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.S3ServerProcess.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged jar as an operator runs it ({@code java -Dquarkus.config.locations=FILE -jar quarkus-run.jar})
 * against S3 server processes: uploads, restart behaviour, kill -9 recovery, SIGTERM, invalid configuration.
 */
class PackagedDaemonIT {

    static final long MIB = 1024 * 1024;
    static final String BUCKET = "chute-it";

    @TempDir
    Path tmp;

    private Path writeConfig(S3Server s3, String afterUpload, String extra) throws IOException {
        Files.createDirectories(tmp.resolve("inbox"));
        String yaml = """
                chute:
                  state-dir: %s
                  upload:
                    multipart-threshold: 5M
                    part-size: 5M
                    parts-in-flight: 2
                  watch:
                    stability-tick: 100ms
                  s3:
                    endpoint: %s
                    region: us-east-1
                    path-style: true
                    access-key-id: %s
                    secret-access-key: %s
                  rules:
                    - name: inbox
                      path: %s
                      bucket: %s
                      prefix: in/
                      quiet-period: 1s
                      after-upload: %s
                %s""".formatted(tmp.resolve("state"), s3.endpoint(), s3.accessKey(), s3.secretKey(),
                tmp.resolve("inbox"), BUCKET, afterUpload, extra);
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, yaml);
        return config;
    }

    private static String objectSha(S3Client s3, String key) throws IOException {
        return io.chute.testing.S3Objects.sha256(s3, BUCKET, key);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void packagedDaemon_uploadsPreexistingAndDroppedFilesByteIdentical_thenDeletesSources(Kind kind) throws Exception {
        try (S3Server s3 = SharedS3Servers.get(kind); S3Client client = s3.newClient()) {
            SharedS3Servers.emptyBucket(s3, BUCKET);
            Path config = writeConfig(s3, "delete", "");
            Map<String, String> shas = new LinkedHashMap<>();
            shas.put("before-start.bin", Files2.writeRandom(tmp.resolve("inbox/before-start.bin"), 3 * MIB, 1));
            try (DaemonProcess daemon = DaemonProcess.start(config, tmp.resolve("daemon.log"))) {
                daemon.awaitLog("Chute started", Duration.ofSeconds(60));
                Map<String, Long> sizes = Map.of("zero.bin", 0L, "one.bin", 1L, "under.bin", 5 * MIB - 1,
                        "exact.bin", 5 * MIB, "over.bin", 5 * MIB + 1, "dir/forty.bin", 40 * MIB);
                long seed = 10;
                for (var e : sizes.entrySet()) {
                    shas.put(e.getKey(), Files2.writeRandom(tmp.resolve("inbox").resolve(e.getKey()), e.getValue(), seed++));
                }
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                        .until(() -> daemon.metric("chute_files_uploaded_total") >= shas.size());
                for (var e : shas.entrySet()) {
                    assertThat(objectSha(client, "in/" + e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                }
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(shas.keySet()).allSatisfy(n -> assertThat(tmp.resolve("inbox").resolve(n)).doesNotExist()));
                assertThat(Files2.sidecarCount(tmp.resolve("inbox"))).isZero();
                assertThat(daemon.metric("chute_uploaded_bytes_total")).isGreaterThanOrEqualTo(58 * MIB);
                assertThat(daemon.get("/q/health/ready").statusCode()).isEqualTo(200);
                assertThat(daemon.get("/q/health/live").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void keepRule_afterRestart_neverUploadsAnUnchangedFileAgain_andSigtermExitsCleanly() throws Exception {
        try (S3Server s3 = SharedS3Servers.get(Kind.S3PROXY); S3Client client = s3.newClient()) {
            SharedS3Servers.emptyBucket(s3, BUCKET);
            Path config = writeConfig(s3, "keep", "");
            Files2.writeRandom(tmp.resolve("inbox/kept.bin"), 7 * MIB, 3);
            Instant firstUpload;
            try (DaemonProcess first = DaemonProcess.start(config, tmp.resolve("first.log"))) {
                first.awaitLog("Chute started", Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(90)).until(() -> first.metric("chute_files_uploaded_total") >= 1);
                firstUpload = client.headObject(b -> b.bucket(BUCKET).key("in/kept.bin")).lastModified();
                assertThat(first.sigterm(Duration.ofSeconds(40))).as("exit status after SIGTERM").isIn(0, 143);
            }
            assertThat(tmp.resolve("inbox/kept.bin")).exists();
            // object timestamps have one-second resolution: a second upload must be able to move it
            await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(firstUpload.plusSeconds(1)));
            try (DaemonProcess second = DaemonProcess.start(config, tmp.resolve("second.log"))) {
                second.awaitLog("Chute started", Duration.ofSeconds(60));
                // positive evidence that kept.bin was considered and skipped, not merely not reached yet: a file
                // dropped after the start (after the startup scan saw kept.bin) is uploaded, and then the daemon
                // holds nothing (nothing stabilizing, queued, in flight or waiting) and took in only that file
                Files2.writeRandom(tmp.resolve("inbox/control.bin"), 7 * MIB, 4);
                await().atMost(Duration.ofSeconds(90)).until(() -> second.metric("chute_files_uploaded_total") >= 1
                        && second.metric("chute_uploads_in_progress") == 0 && second.metric("chute_queue_depth") == 0
                        && second.metric("chute_files_stabilizing") == 0 && second.metric("chute_files_waiting_retry") == 0);
                assertThat(second.metric("chute_files_discovered_total")).as("files taken in: control.bin only")
                        .isEqualTo(1);
                assertThat(second.metric("chute_files_uploaded_total")).isEqualTo(1);
                assertThat(second.logText()).contains("key=in/control.bin uploaded and verified")
                        .doesNotContain("key=in/kept.bin uploaded and verified");
            }
            assertThat(client.headObject(b -> b.bucket(BUCKET).key("in/kept.bin")).lastModified()).isEqualTo(firstUpload);
        }
    }

    @Test
    void kill9DuringMultipartUpload_restartResumesFromCheckpoint_andObjectIsByteIdentical() throws Exception {
        try (S3Server s3 = SharedS3Servers.get(Kind.S3MOCK); S3Client client = s3.newClient()) {
            SharedS3Servers.emptyBucket(s3, BUCKET);
            Path config = writeConfig(s3, "delete", "");
            Path big = tmp.resolve("inbox/big.bin");
            Path sidecar = big.resolveSibling("big.bin.upload_state");
            String sha;
            try (DaemonProcess first = DaemonProcess.start(config, tmp.resolve("first.log"))) {
                sha = dropBigFileAndAwaitThreeCheckpointedParts(first, big, 5);
                first.kill9();
            }
            long partsBeforeCrash = journaledParts(sidecar);
            assertThat(partsBeforeCrash).as("killed mid-upload").isBetween(3L, 79L);
            // Independent count: what S3 itself holds versus what the journal recorded.
            String header = Files.readAllLines(sidecar).get(1); // line 0 is the magic line
            String uploadId = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(header.substring(0, header.lastIndexOf(' '))).get("uploadId").asText();
            long storedInS3 = settledPartCount(client, uploadId); // a part whose body arrived may still be stored
            assertThat(storedInS3 - partsBeforeCrash).as("parts stored but not yet journaled").isBetween(0L, 2L);
            assertThat(exists(client, "in/big.bin")).as("no partial object after kill -9").isFalse();
            try (DaemonProcess second = DaemonProcess.start(config, tmp.resolve("second.log"))) {
                await().atMost(Duration.ofSeconds(180)).until(() -> !Files.exists(big));
                assertThat(second.logText()).containsPattern("resuming: \\d+ of 80 parts already in S3");
                assertThat(second.metric("chute_resumes_total")).isEqualTo(1.0);
                double resent = second.metric("chute_resent_bytes_total");
                // a part stored but not yet journaled is kept when its CRC32C proves it, else sent again
                java.util.regex.Matcher proven = java.util.regex.Pattern.compile(
                        "\\((\\d+) of them not yet checkpointed, proven by their CRC32C\\)").matcher(second.logText());
                assertThat(proven.find()).isTrue();
                long provenByChecksum = Long.parseLong(proven.group(1));
                assertThat(resent).as("only parts in flight at the crash are sent again").isLessThanOrEqualTo(2 * 5 * MIB)
                        .isEqualTo((storedInS3 - partsBeforeCrash - provenByChecksum) * 5.0 * MIB);
                assertThat(second.metric("chute_uploaded_bytes_total"))
                        .isLessThanOrEqualTo((80 - partsBeforeCrash + 2) * 5.0 * MIB);
            }
            assertThat(objectSha(client, "in/big.bin")).isEqualTo(sha);
            assertThat(sidecar).doesNotExist();
        }
    }

    @Test
    void sigtermDuringALargeUpload_exitsWithSuccess_keepsTheMultipartUpload_andTheNextStartResumesIt() throws Exception {
        try (S3Server s3 = SharedS3Servers.get(Kind.S3MOCK); S3Client client = s3.newClient()) {
            SharedS3Servers.emptyBucket(s3, BUCKET);
            Path config = writeConfig(s3, "delete", "  shutdown: {grace: 20s}\n");
            Path big = tmp.resolve("inbox/big.bin");
            Path sidecar = big.resolveSibling("big.bin.upload_state");
            String sha;
            try (DaemonProcess first = DaemonProcess.start(config, tmp.resolve("first.log"))) {
                sha = dropBigFileAndAwaitThreeCheckpointedParts(first, big, 9);
                long start = System.nanoTime();
                assertThat(first.sigterm(Duration.ofSeconds(40))).as("exit status after SIGTERM").isIn(0, 143);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the 20 s grace plus the JVM's exit")
                        .isLessThan(Duration.ofSeconds(35));
                String log = first.logText();
                assertThat(log).contains("Chute stopped");
                String shutdown = log.substring(log.indexOf("Chute stopping"), log.indexOf("Chute stopped"));
                assertThat(shutdown).as("stages stop in flow order: nothing refused or failing while workers drain")
                        .doesNotContain("RejectedExecutionException").doesNotContain(" ERROR ");
            }
            assertThat(sidecar).exists();
            assertThat(client.listMultipartUploads(b -> b.bucket(BUCKET)).uploads())
                    .as("SIGTERM never aborts a multipart upload").hasSize(1);
            try (DaemonProcess second = DaemonProcess.start(config, tmp.resolve("second.log"))) {
                await().atMost(Duration.ofSeconds(180)).until(() -> !Files.exists(big));
                assertThat(second.logText()).containsPattern("resuming: \\d+ of 80 parts already in S3");
            }
            assertThat(objectSha(client, "in/big.bin")).isEqualTo(sha);
        }
    }

    @Test
    void credentialsFromStandardEnvironmentVariables_areUsedWhenTheConfigurationNamesNone() throws Exception {
        try (S3Server s3 = SharedS3Servers.get(Kind.S3PROXY); S3Client client = s3.newClient()) {
            SharedS3Servers.emptyBucket(s3, BUCKET);
            Path config = writeConfig(s3, "delete", "");
            Files.writeString(config, Files.readString(config)
                    .replaceAll("(?m)^\\s+(access-key-id|secret-access-key):.*\\n", ""));
            assertThat(Files.readString(config)).doesNotContain(s3.secretKey());
            String sha = Files2.writeRandom(tmp.resolve("inbox/env-creds.bin"), 1000, 8);
            Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", s3.accessKey(), "AWS_SECRET_ACCESS_KEY", s3.secretKey());
            try (DaemonProcess daemon = DaemonProcess.start(config, tmp.resolve("env.log"), env)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(tmp.resolve("inbox/env-creds.bin")));
            }
            assertThat(objectSha(client, "in/env-creds.bin")).isEqualTo(sha);
        }
    }

    @Test
    void invalidConfiguration_refusesToStart_listingEveryErrorByPropertyPath() throws Exception {
        Path config = tmp.resolve("bad.yaml");
        Files.writeString(config, """
                chute:
                  upload:
                    workers: 0
                  rules:
                    - name: a
                      path: %s
                      bucket: Not_A_Bucket
                      after-upload: move
                """.formatted(tmp.resolve("missing")));
        try (DaemonProcess daemon = DaemonProcess.start(config, tmp.resolve("bad.log"))) {
            assertThat(daemon.waitForExit(Duration.ofSeconds(60))).isNotZero();
            assertThat(daemon.logText()).contains("chute.upload.workers:", "chute.rules[0].bucket:",
                    "chute.rules[0].path:", "chute.rules[0].archive-dir:");
        }
    }

    /**
     * Renames a 400 MiB file (80 parts of 5 MiB) into the watched folder once the daemon runs, and returns when
     * its sidecar has journaled three parts: the upload is then well under way. Returns the file's SHA-256.
     */
    private String dropBigFileAndAwaitThreeCheckpointedParts(DaemonProcess daemon, Path big, long seed)
            throws Exception {
        String sha = Files2.writeRandom(tmp.resolve("staging.bin"), 400 * MIB, seed);
        daemon.awaitLog("Chute started", Duration.ofSeconds(60));
        Files.move(tmp.resolve("staging.bin"), big); // rename into place
        Path sidecar = big.resolveSibling("big.bin.upload_state");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(() -> journaledParts(sidecar) >= 3);
        return sha;
    }

    private static long journaledParts(Path sidecar) {
        try {
            List<String> lines = Files.readAllLines(sidecar);
            return Math.max(0, lines.size() - 2); // magic line, header line, then one line per part
        } catch (IOException notYet) {
            return 0;
        }
    }

    /**
     * The parts S3 holds for the killed upload, once the count is the same on two reads a second apart: a part
     * whose whole body reached the server before the kill may still be in the middle of being stored.
     */
    private static long settledPartCount(S3Client s3, String uploadId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long previous = -1;
        while (true) {
            long now = s3.listParts(b -> b.bucket(BUCKET).key("in/big.bin").uploadId(uploadId)).parts().size();
            if (now == previous || System.nanoTime() > deadline) {
                return now;
            }
            previous = now;
            Thread.sleep(1000);
        }
    }

    private static boolean exists(S3Client s3, String key) {
        return io.chute.testing.S3Objects.exists(s3, BUCKET, key);
    }
}
