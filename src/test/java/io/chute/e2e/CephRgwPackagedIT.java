package io.chute.e2e;

import io.chute.testing.CliProcess;
import io.chute.testing.DaemonProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3Server.Store;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged application, as a process, against Ceph RGW as Debian ships it: a store that lists no part CRC32C
 * and ignores checksum values, so a resumed upload keeps the parts its checkpoint journaled by their ETags and the
 * object is proven by its multipart MD5 ETag. A kill -9 of the daemon and of {@code chute upload} after the third
 * checkpointed part: the restart sends only what the checkpoint does not hold, and a plain client reads back the
 * exact bytes. Skipped, saying what to install, where the Ceph packages are missing.
 */
@EnabledIf(value = "io.chute.testing.CephRgw#installed",
        disabledReason = "Ceph RGW binaries missing (apt-get install ceph-mon ceph-osd radosgw)")
class CephRgwPackagedIT {

    static final long MIB = 1024 * 1024;
    static final Duration START = Duration.ofMinutes(3);
    static S3Server rgw;
    static S3Client client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startRgw() {
        rgw = SharedS3Servers.get(Store.CEPH_RGW);
        client = rgw.newClient();
    }

    @AfterAll
    static void closeClient() {
        client.close();
        rgw.close();
    }

    private Path config(String rules) throws IOException {
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  upload: {multipart-threshold: 5M, part-size: 5M, parts-in-flight: 1, retry-backoff: 1s}
                  watch: {stability-tick: 100ms}
                  s3: {endpoint: "%s", region: %s, path-style: true, access-key-id: %s, secret-access-key: %s}
                %s""".formatted(tmp.resolve("state"), rgw.endpoint(), rgw.region(), rgw.accessKey(), rgw.secretKey(),
                rules));
        return config;
    }

    @Test
    void daemonKilledAfterThreeCheckpointedParts_restartKeepsThemByETag_andEveryFileLandsIntact() throws Exception {
        String bucket = SharedS3Servers.freshBucket(rgw, "rgw-crash");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path config = config("""
                  rules:
                    - {name: inbox, path: "%s", bucket: %s, quiet-period: 300ms, after-upload: delete}
                """.formatted(inbox, bucket));
        Map<String, String> shas = new LinkedHashMap<>();
        try (DaemonProcess before = DaemonProcess.start(config, tmp.resolve("before.log"),
                "-Dchutetest.crash-point=after-checkpoint", "-Dchutetest.crash-after=3")) {
            before.awaitLog("Chute started", START);
            shas.put("big.bin", drop(inbox, "big.bin", 32 * MIB + 17, 1));
            assertThat(before.waitForExit(Duration.ofSeconds(90))).as("halted after the third part").isEqualTo(137);
        }
        List<MultipartUpload> open = client.listMultipartUploads(b -> b.bucket(bucket)).uploads();
        assertThat(open).as("the kill left the upload open").hasSize(1);
        assertThat(client.listParts(b -> b.bucket(bucket).key("big.bin").uploadId(open.get(0).uploadId())).parts())
                .hasSizeGreaterThanOrEqualTo(3);
        shas.put("small.bin", drop(inbox, "small.bin", 100_000, 2));
        shas.put("empty.bin", drop(inbox, "empty.bin", 0, 3));

        try (DaemonProcess after = DaemonProcess.start(config, tmp.resolve("after.log"))) {
            after.awaitLog("Chute started", START);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> shas.keySet().stream().noneMatch(n -> Files.exists(inbox.resolve(n))));
            after.awaitLog(java.util.regex.Pattern.quote("uploadId=" + open.get(0).uploadId() + " resuming: 3 of 7 parts already in S3"),
                    Duration.ofSeconds(5));
            assertThat(after.metric("chute_resent_bytes_total")).as("at most the part in flight goes again")
                    .isLessThanOrEqualTo(5.0 * MIB);
        }
        List<S3Object> objects = client.listObjectsV2(b -> b.bucket(bucket)).contents();
        assertThat(objects).extracting(S3Object::key).containsExactlyInAnyOrderElementsOf(shas.keySet());
        assertThat(objects).filteredOn(o -> o.key().equals("big.bin")).extracting(S3Object::eTag)
                .as("a multipart ETag, proven by Chute").singleElement().asString().endsWith("-7\"");
        assertStored(bucket, shas);
        assertThat(Files2.sidecarCount(inbox)).isZero();
    }

    @Test
    void chuteUploadKilledAfterThreeParts_rerunSendsOnlyTheRest_andTheObjectIsTheFile() throws Exception {
        String bucket = SharedS3Servers.freshBucket(rgw, "rgw-cli");
        Path file = tmp.resolve("data/sixty.bin");
        String sha = Files2.writeRandom(file, 60 * MIB, 4);
        Path config = config("");
        String target = "s3://" + bucket + "/sixty.bin";
        try (CliProcess first = CliProcess.start(config, tmp.resolve("logs"),
                List.of("-Dchutetest.crash-point=after-checkpoint", "-Dchutetest.crash-after=3"),
                "upload", file.toString(), target)) {
            assertThat(first.waitForExit(Duration.ofMinutes(2))).as(first.transcript()).isEqualTo(137);
        }
        String uploadId = client.listMultipartUploads(b -> b.bucket(bucket)).uploads().get(0).uploadId();

        CliProcess rerun = CliProcess.run(config, tmp.resolve("logs"), "upload", file.toString(), target);

        assertThat(rerun.exitValue()).as(rerun.transcript()).isZero();
        assertThat(rerun.stderr()).contains("resuming upload " + uploadId + ": 3 of 12 parts (15.7 MB) already in S3");
        assertThat(rerun.stdout()).contains(9 * 5 * MIB + " bytes sent by this run");
        assertStored(bucket, Map.of("sixty.bin", sha));
        assertThat(client.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
        assertThat(file.resolveSibling("sixty.bin.upload_state")).doesNotExist();
    }

    private Path stagingDir() throws IOException {
        return Files.createDirectories(tmp.resolve("staging"));
    }

    /** Writes {@code size} random bytes under a staging name and renames them into {@code inbox}; the SHA-256. */
    private String drop(Path inbox, String name, long size, long seed) throws IOException {
        Path staged = stagingDir().resolve(name);
        String sha = Files2.writeRandom(staged, size, seed);
        Files.move(staged, inbox.resolve(name));
        return sha;
    }

    /** Each object, read back with a plain SDK client, has the expected SHA-256; no multipart upload is left. */
    private void assertStored(String bucket, Map<String, String> shas) throws IOException {
        for (var e : shas.entrySet()) {
            try (var in = client.getObject(b -> b.bucket(bucket).key(e.getKey()))) {
                assertThat(Files2.sha256(in)).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
        assertThat(client.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
    }
}
