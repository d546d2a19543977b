package io.chute.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chute.testing.CliProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess.Kind;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.WireMockS3;
import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chute upload DIR s3://bucket/prefix/} of the packaged jar against S3Mock: a tree of 500 regular files
 * (nested folders, a 0-byte file, one file above the multipart threshold), a FIFO and a symbolic link out of the
 * tree; the rerun with {@code --skip-existing}; a run killed half way and its rerun; key collisions.
 */
class BatchUploadIT {

    static final long MIB = 1024 * 1024;
    static final ObjectMapper JSON = new ObjectMapper();
    static S3Server s3;
    static S3Client client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startS3() {
        s3 = SharedS3Servers.get(Kind.S3MOCK);
        client = s3.newClient();
    }

    @AfterAll
    static void stopS3() {
        client.close();
        s3.close();
    }

    private Path config() throws IOException {
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  upload:
                    multipart-threshold: 5M
                    part-size: 5M
                  s3:
                    endpoint: %s
                    region: us-east-1
                    path-style: true
                    access-key-id: %s
                    secret-access-key: %s
                """.formatted(tmp.resolve("state"), s3.endpoint(), s3.accessKey(), s3.secretKey()));
        return config;
    }

    /** 500 regular files: 498 small ones in nested folders, a 0-byte file, a 6 MiB file; plus a FIFO and a link. */
    private Path tree() throws Exception {
        Path root = tmp.resolve("tree");
        for (int i = 0; i < 498; i++) {
            Path f = root.resolve("d" + i % 10).resolve("s" + i % 3).resolve("f" + i + ".txt");
            Files.createDirectories(f.getParent());
            Files.writeString(f, ("file " + i + "\n").repeat(1 + i % 7));
        }
        Files.createFile(root.resolve("d0/empty.bin"));
        Files2.writeRandom(root.resolve("big/six.bin"), 6 * MIB, 3);
        Path outside = Files.writeString(tmp.resolve("outside.txt"), "not in the tree");
        Files.createSymbolicLink(root.resolve("d1/link-out.txt"), outside);
        Process mkfifo = new ProcessBuilder("mkfifo", root.resolve("d2/pipe").toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        return root;
    }

    private Map<String, S3Object> stored(String bucket) {
        return client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("batch/")).contents().stream()
                .collect(Collectors.toMap(S3Object::key, o -> o));
    }

    @Test
    void uploadDir_storesEveryRegularFile_skipsTheFifoAndTheLink_andTheRerunWithSkipExistingSendsNothing()
            throws Exception {
        String bucket = SharedS3Servers.freshBucket(s3, "batch");
        Path root = tree();
        Path config = config();

        CliProcess first = CliProcess.start(config, tmp.resolve("logs"), List.of(), "upload", root.toString(),
                "s3://" + bucket + "/batch/", "--workers", "4", "--json");
        assertThat(first.waitForExit(Duration.ofMinutes(5))).as(first.transcript()).isZero();
        JsonNode summary = JSON.readTree(first.stdout());
        Map<String, S3Object> objects = stored(bucket);
        assertThat(summary.get("uploaded").asInt()).isEqualTo(500).isEqualTo(objects.size());
        assertThat(summary.get("failed")).isEmpty();
        Map<String, String> skipped = new HashMap<>();
        summary.get("skipped").forEach(s -> skipped.put(s.get("path").asText(), s.get("reason").asText()));
        assertThat(skipped).containsOnlyKeys("d1/link-out.txt", "d2/pipe");
        assertThat(skipped.get("d1/link-out.txt")).contains("symbolic link");
        assertThat(skipped.get("d2/pipe")).contains("not a regular file");
        assertThat(objects).containsKeys("batch/d0/empty.bin", "batch/big/six.bin", "batch/d9/s0/f9.txt");
        assertThat(objects.get("batch/d0/empty.bin").size()).isZero();
        assertThat(Files2.sha256(client.getObject(b -> b.bucket(bucket).key("batch/big/six.bin"))))
                .isEqualTo(Files2.sha256(Files.newInputStream(root.resolve("big/six.bin"))));
        assertThat(objects.get("batch/big/six.bin").eTag()).as("a multipart ETag").contains("-");
        assertThat(first.stderr()).contains("batch: 500/500 files");

        // The rerun talks to S3Mock through a WireMock proxy that counts what arrives at the server.
        WireMockServer counter = WireMockS3.start();
        CliProcess rerun;
        try {
            counter.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(s3.endpoint().toString())));
            Path viaProxy = Files.writeString(tmp.resolve("via-proxy.yaml"), Files.readString(config)
                    .replace(s3.endpoint().toString(), counter.baseUrl()));
            rerun = CliProcess.start(viaProxy, tmp.resolve("logs"), List.of(), "upload", root.toString(),
                    "s3://" + bucket + "/batch/", "--skip-existing", "--json");
            assertThat(rerun.waitForExit(Duration.ofMinutes(5))).as(rerun.transcript()).isZero();
            assertThat(counter.findAll(headRequestedFor(anyUrl()))).as("one HeadObject per file").hasSize(500);
            assertThat(counter.findAll(putRequestedFor(anyUrl()))).as("PUTs at the server").isEmpty();
            assertThat(counter.findAll(postRequestedFor(anyUrl()))).as("POSTs at the server").isEmpty();
        } finally {
            counter.stop();
        }
        JsonNode again = JSON.readTree(rerun.stdout());
        assertThat(again.get("uploaded").asInt()).isZero();
        assertThat(again.get("skippedExisting").asInt()).isEqualTo(500);
        assertThat(again.get("bytesSent").asLong()).isZero();
        Map<String, S3Object> after = stored(bucket);
        assertThat(after).hasSize(500);
        after.forEach((key, o) -> assertThat(o.lastModified()).as(key + " not written again")
                .isEqualTo(objects.get(key).lastModified()));
    }

    @Test
    void uploadDir_killedHalfWay_rerunSendsOnlyTheFilesNotYetStored() throws Exception {
        String bucket = SharedS3Servers.freshBucket(s3, "batch");
        Path root = tree();
        Path config = config();
        String target = "s3://" + bucket + "/batch/";
        try (CliProcess killed = CliProcess.start(config, tmp.resolve("logs"),
                List.of("-Dchutetest.crash-point=after-receipt", "-Dchutetest.crash-after=200"),
                "upload", root.toString(), target, "--workers", "2", "--progress", "none")) {
            assertThat(killed.waitForExit(Duration.ofMinutes(5))).as(killed.transcript()).isEqualTo(137);
        }
        Map<String, S3Object> before = stored(bucket);
        assertThat(before.size()).isBetween(200, 203);
        long missingBytes = 0;
        int missingSmallFiles = 0;
        try (var files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        && !f.getFileName().toString().endsWith(".upload_state")
                        && !before.containsKey("batch/" + root.relativize(f))) {
                    missingBytes += Files.size(f);
                    missingSmallFiles += Files.size(f) < 5 * MIB ? 1 : 0;
                }
            }
        }
        long partsAlreadyStored = 0; // a multipart file the kill interrupted resumes: its stored parts are not sent
        for (var upload : client.listMultipartUploads(b -> b.bucket(bucket)).uploads()) {
            partsAlreadyStored += client.listParts(b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()))
                    .parts().stream().mapToLong(p -> p.size()).sum();
        }
        Instant rerunStarted = Instant.now();

        WireMockServer counter = WireMockS3.start(); // counts the rerun's requests on their way to S3Mock
        CliProcess rerun;
        try {
            counter.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(s3.endpoint().toString())));
            Path viaProxy = Files.writeString(tmp.resolve("via-proxy.yaml"), Files.readString(config)
                    .replace(s3.endpoint().toString(), counter.baseUrl()));
            rerun = CliProcess.start(viaProxy, tmp.resolve("logs"), List.of(), "upload", root.toString(), target,
                    "--json");
            assertThat(rerun.waitForExit(Duration.ofMinutes(5))).as(rerun.transcript()).isZero();
            assertThat(counter.findAll(putRequestedFor(anyUrl())).stream()
                    .filter(r -> !r.getUrl().contains("uploadId=")).count())
                    .as("PutObject requests at the server: one per small file missing after the kill")
                    .isEqualTo(missingSmallFiles);
        } finally {
            counter.stop();
        }

        JsonNode summary = JSON.readTree(rerun.stdout());
        assertThat(summary.get("bytesSent").asLong()).as("only the files not stored before the kill are sent")
                .isEqualTo(missingBytes - partsAlreadyStored);
        assertThat(summary.get("uploaded").asInt() + summary.get("skippedExisting").asInt()).isEqualTo(500);
        assertThat(summary.get("skippedExisting").asInt()).as("receipts of the killed run").isGreaterThanOrEqualTo(200);
        Map<String, S3Object> after = stored(bucket);
        assertThat(after).hasSize(500);
        before.forEach((key, o) -> assertThat(after.get(key).lastModified()).as(key + " not written again")
                .isEqualTo(o.lastModified()).isBefore(rerunStarted));
    }

    @Test
    void uploadDir_twoNamesThatNormalizeToOneKey_areBothFailures_andNothingIsMerged() throws Exception {
        String bucket = SharedS3Servers.freshBucket(s3, "batch");
        Path root = tmp.resolve("names");
        Files.createDirectories(root);
        Files.writeString(root.resolve("caf\u00e9.txt"), "composed");
        Files.writeString(root.resolve("cafe\u0301.txt"), "decomposed");
        Files.writeString(root.resolve("plain.txt"), "plain");

        CliProcess run = CliProcess.run(config(), tmp.resolve("logs"), "upload", root.toString(),
                "s3://" + bucket + "/batch/");

        assertThat(run.exitValue()).as(run.transcript()).isEqualTo(1);
        assertThat(run.stdout()).contains("failed caf\u00e9.txt: key collision").contains("failed cafe\u0301.txt: key collision")
                .contains(": 1 uploaded, 0 skipped as present, 0 skipped, 2 failed;");
        assertThat(stored(bucket)).containsOnlyKeys("batch/plain.txt");
    }
}
