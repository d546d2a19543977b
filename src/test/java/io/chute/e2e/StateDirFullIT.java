package io.chute.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.chute.testing.DaemonProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.S3ServerProcess.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged daemon with its state dir on a really full file system: a 2 MiB tmpfs mounted by the test
 * (root only; the test is skipped, saying why, where it cannot mount one) and filled up. S3Mock sits behind a
 * WireMock proxy on loopback whose journal counts what Chute sent.
 */
@Tag("hostile")
class StateDirFullIT {

    static final long MIB = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path state;
    private boolean mounted;
    private S3Server s3;
    private WireMockServer proxy;
    private final String bucket = "chute-full-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void fullableStateDir() throws Exception {
        state = Files.createDirectories(tmp.resolve("state"));
        String refused = run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", state.toString());
        assumeTrue(refused == null, "needs a small tmpfs for a really full state dir; mount refused (not root, or no"
                + " mount permission in this container): " + refused);
        mounted = true;
        s3 = SharedS3Servers.get(Kind.S3MOCK);
        s3.createBucket(bucket);
        proxy = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        proxy.start();
        proxy.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(s3.endpoint().toString())));
    }

    @AfterEach
    void unmount() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
        if (mounted) {
            run("umount", "-l", state.toString());
        }
    }

    @Test
    void fileArrivingWhileTheStateDirIsFull_waitsPausedWithoutSendingAPart_thenUploadsOnceSpaceReturns()
            throws Exception {
        Path config = config("delete");
        try (DaemonProcess daemon = DaemonProcess.start(config, tmp.resolve("daemon.log"));
             S3Client client = s3.newClient()) {
            daemon.awaitLog("Chute started", Duration.ofSeconds(90));
            Path filler = fill(state);
            String sha = drop("big.bin", 6 * MIB, 1);

            await().atMost(Duration.ofSeconds(60)).until(() -> paused(daemon, "big.bin"));
            String ready = daemon.get("/q/health/ready").body();
            assertThat(daemon.get("/q/health/ready").statusCode()).isEqualTo(503);
            assertThat(ready).contains("\"state-dir\"", "state dir " + state + " cannot be written");
            assertThat(daemon.logText()).as("one line when it goes down").containsOnlyOnce("uploads pause");
            assertThat(requestsFor("big.bin")).as("no CreateMultipartUpload, no part: nothing to checkpoint").isEmpty();
            assertThat(daemon.metric("chute_state_dir_available")).isZero();

            double failures = daemon.metric("chute_state_dir_failures_total");
            long start = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).until(() -> daemon.metric("chute_state_dir_failures_total") >= failures + 2);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("two more probes are spaced by the backoff,"
                    + " not a busy loop").isGreaterThanOrEqualTo(Duration.ofSeconds(2));
            assertThat(requestsFor("big.bin")).isEmpty();

            Files.delete(filler);

            await().atMost(Duration.ofSeconds(180)).until(() -> !Files.exists(tmp.resolve("inbox/big.bin")));
            assertThat(io.chute.testing.S3Objects.sha256(client, bucket, "big.bin")).isEqualTo(sha);
            assertThat(daemon.get("/q/health/ready").statusCode()).isEqualTo(200);
            assertThat(daemon.metric("chute_state_dir_available")).isEqualTo(1);
            assertThat(daemon.logText()).containsOnlyOnce("state dir " + state + " can be written again")
                    .containsOnlyOnce("uploads pause").doesNotContain("quarantined to");
        }
    }

    @Test
    void keptFileWhoseReceiptCouldNotBeWritten_isNeverUploadedASecondTime_afterSpaceReturns_norAfterARestart()
            throws Exception {
        Path config = config("keep");
        Path filler;
        try (DaemonProcess first = DaemonProcess.start(config, tmp.resolve("first.log"))) {
            first.awaitLog("Chute started", Duration.ofSeconds(90));
            filler = fill(state);
            drop("kept.bin", 100 * 1024, 2);
            await().atMost(Duration.ofSeconds(60)).until(() -> paused(first, "kept.bin"));
            assertThat(puts("kept.bin")).as("uploaded and verified; only its receipt failed").isEqualTo(1);

            Files.delete(filler); // space returns while the daemon runs
            first.awaitLog("kept.bin .* is already stored in S3 \\(size and checksum match\\) but has no receipt",
                    Duration.ofSeconds(180));
            await().atMost(Duration.ofSeconds(30)).until(() -> receipts() == 1);
            assertThat(puts("kept.bin")).isEqualTo(1);

            filler = fill(state); // full again, and the daemon dies before space returns
            drop("kept2.bin", 100 * 1024, 3);
            await().atMost(Duration.ofSeconds(60)).until(() -> paused(first, "kept2.bin"));
            assertThat(puts("kept2.bin")).isEqualTo(1);
            first.kill9();
        }
        Files.delete(filler);
        try (DaemonProcess second = DaemonProcess.start(config, tmp.resolve("second.log"))) {
            second.awaitLog("kept2.bin .* is already stored in S3", Duration.ofSeconds(180));
            await().atMost(Duration.ofSeconds(30)).until(() -> receipts() == 2);
        }
        assertThat(puts("kept.bin")).isEqualTo(1);
        assertThat(puts("kept2.bin")).isEqualTo(1);
    }

    private Path config(String afterUpload) throws IOException {
        Files.createDirectories(tmp.resolve("inbox"));
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  upload:
                    multipart-threshold: 5M
                    part-size: 5M
                    workers: 2
                  watch:
                    stability-tick: 100ms
                  s3:
                    endpoint: http://127.0.0.1:%d
                    region: us-east-1
                    path-style: true
                    access-key-id: %s
                    secret-access-key: %s
                    probe: false
                  rules:
                    - name: inbox
                      path: %s
                      bucket: %s
                      quiet-period: 500ms
                      after-upload: %s
                """.formatted(state, proxy.port(), s3.accessKey(), s3.secretKey(), tmp.resolve("inbox"), bucket,
                afterUpload));
        return config;
    }

    /** Renames a file of random bytes into the drop folder; returns its SHA-256. */
    private String drop(String name, long size, long seed) throws IOException {
        Path staged = tmp.resolve(name + ".staged");
        String sha = Files2.writeRandom(staged, size, seed);
        Files.move(staged, tmp.resolve("inbox").resolve(name));
        return sha;
    }

    /** Fills {@code dir}'s file system until the next write fails; returns the filler to delete later. */
    private static Path fill(Path dir) throws IOException {
        Path filler = dir.resolve("filler");
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            return filler;
        }
    }

    /** Whether /q/status shows the file PAUSED for the state dir. */
    private static boolean paused(DaemonProcess daemon, String name) throws Exception {
        for (JsonNode w : JSON.readTree(daemon.get("/q/status").body()).path("waiting")) {
            if (w.path("path").asText().endsWith("/" + name) && w.path("state").asText().equals("PAUSED")
                    && w.path("detail").asText().contains("state_dir_unavailable")) {
                return true;
            }
        }
        return false;
    }

    private List<LoggedRequest> requestsFor(String name) {
        return proxy.getAllServeEvents().stream().map(e -> e.getRequest())
                .filter(r -> r.getUrl().contains("/" + name) && !r.getMethod().getName().equals("HEAD")).toList();
    }

    /** PutObject requests (no part number) for the key. */
    private long puts(String name) {
        return requestsFor(name).stream().filter(r -> r.getMethod().getName().equals("PUT")
                && !r.getUrl().contains("partNumber=")).count();
    }

    private long receipts() throws IOException {
        Path dir = state.resolve("receipts/inbox");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".json")).count();
        }
    }

    /** Runs a command; returns null when it succeeded, else what it printed. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return p.waitFor() == 0 ? null : String.join(" ", command) + ": " + out.trim();
    }
}
