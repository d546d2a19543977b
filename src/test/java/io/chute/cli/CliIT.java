package io.chute.cli;

import io.chute.testing.CliProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.S3ServerProcess.Kind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code chute} commands of the packaged jar that talk to S3, run as processes against an S3Mock
 * process: one-shot upload with progress, resume after kill and after SIGINT, cleanup of orphaned uploads,
 * runtime errors, {@code status} of a live daemon, and the promise that one-shot commands listen on no port.
 * {@link CliUsageIT} covers status rendering from a served document, usage errors and the launcher script.
 */
class CliIT {

    static final long MIB = 1024 * 1024;
    static final Pattern PROGRESS = Pattern.compile("(?m)^upload: +(\\d+)% ");

    static S3Server s3;
    static S3Client client;

    @TempDir
    Path tmp;
    String bucket;

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

    @BeforeEach
    void bucketPerTest(TestInfo test) {
        bucket = ("cli-" + test.getTestMethod().orElseThrow().getName().replaceAll("[^A-Za-z]", "")
                .toLowerCase(Locale.ROOT)).substring(0, 20) + "-" + System.nanoTime() % 100_000;
        s3.createBucket(bucket);
    }

    private Path config(int partsInFlight, String extra) throws IOException {
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  upload:
                    multipart-threshold: 5M
                    part-size: 5M
                    parts-in-flight: %d
                    retry-backoff: 1s
                  s3:
                    endpoint: %s
                    region: us-east-1
                    path-style: true
                    access-key-id: %s
                    secret-access-key: %s
                %s""".formatted(tmp.resolve("state"), partsInFlight, s3.endpoint(), s3.accessKey(), s3.secretKey(),
                extra));
        return config;
    }

    @Test
    void upload_ofAMultipartFile_printsProgressOnStderr_storesAVerifiedObject_andListensOnNoPort() throws Exception {
        Path file = tmp.resolve("data/forty.bin");
        String sha = Files2.writeRandom(file, 40 * MIB, 1);
        Set<Integer> ports = new HashSet<>();
        int samplesWhileUploading = 0;
        try (CliProcess cli = CliProcess.start(config(2, ""), tmp.resolve("logs"), List.of(),
                "upload", file.toString(), "s3://" + bucket + "/in/forty.bin")) {
            while (cli.isAlive()) {
                try {
                    ports.addAll(CliProcess.listeningTcpPorts(cli.pid()));
                    samplesWhileUploading += cli.stderr().contains("upload:") ? 1 : 0;
                } catch (IOException exited) {
                    break;
                }
                Thread.sleep(10);
            }
            assertThat(cli.waitForExit(Duration.ofMinutes(2))).as(cli.transcript()).isZero();
            assertThat(percents(cli.stderr())).as("plain progress lines, as stderr is no terminal")
                    .startsWith(0).endsWith(100).isSorted().hasSizeGreaterThan(2);
            assertThat(cli.stderr()).contains("upload: 100% 41.9 MB / 41.9 MB");
            assertThat(cli.stdout()).startsWith("uploaded s3://" + bucket + "/in/forty.bin: 41943040 bytes, verified by")
                    .contains("; 41943040 bytes sent by this run");
        }
        assertThat(samplesWhileUploading).as("listening sockets sampled while the command ran").isPositive();
        assertThat(ports).as("TCP ports the one-shot command listened on").isEmpty();
        assertThat(client.headObject(b -> b.bucket(bucket).key("in/forty.bin")).contentLength()).isEqualTo(40 * MIB);
        assertThat(objectSha("in/forty.bin")).isEqualTo(sha);
        assertThat(file).exists();
        assertThat(Files2.sidecarCount(file.getParent())).isZero();
        assertThat(openUploads()).isEmpty();
    }

    @Test
    void upload_killedAfterThreeParts_rerunResumesAndSendsOnlyTheMissingParts() throws Exception {
        Path file = tmp.resolve("data/sixty.bin");
        String sha = Files2.writeRandom(file, 60 * MIB, 2);
        Path config = config(1, "");
        String target = "s3://" + bucket + "/sixty.bin";
        try (CliProcess first = CliProcess.start(config, tmp.resolve("logs"),
                List.of("-Dchutetest.crash-point=after-checkpoint", "-Dchutetest.crash-after=3"),
                "upload", file.toString(), target)) {
            assertThat(first.waitForExit(Duration.ofMinutes(2))).as(first.transcript()).isEqualTo(137);
        }
        assertThat(file.resolveSibling("sixty.bin.upload_state")).exists();
        List<MultipartUpload> open = openUploads();
        assertThat(open).hasSize(1);
        String uploadId = open.get(0).uploadId();
        assertThat(client.listParts(b -> b.bucket(bucket).key("sixty.bin").uploadId(uploadId)).parts()).hasSize(3);

        CliProcess rerun = CliProcess.run(config, tmp.resolve("logs"), "upload", file.toString(), target);

        assertThat(rerun.exitValue()).as(rerun.transcript()).isZero();
        assertThat(rerun.stderr()).contains("resuming upload " + uploadId + ": 3 of 12 parts (15.7 MB) already in S3");
        assertThat(rerun.stdout()).contains("resumed from its checkpoint; " + 9 * 5 * MIB + " bytes sent by this run");
        assertThat(objectSha("sixty.bin")).isEqualTo(sha);
        assertThat(openUploads()).isEmpty();
        assertThat(file.resolveSibling("sixty.bin.upload_state")).doesNotExist();
    }

    @Test
    void upload_interruptedBySigint_checkpointsWhatItSent_andTheRerunSendsTheRest() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(CliProcess.signalIgnoredHere(2), "SIGINT is ignored in this"
                + " environment (a background start without job control): no JVM started from here can receive it");
        Path file = tmp.resolve("data/big.bin");
        String sha = Files2.writeRandom(file, 300 * MIB, 3);
        Path config = config(2, "");
        String target = "s3://" + bucket + "/big.bin";
        Path sidecar = file.resolveSibling("big.bin.upload_state");
        try (CliProcess first = CliProcess.start(config, tmp.resolve("logs"), List.of(),
                "upload", file.toString(), target)) {
            first.awaitStderr("(?m)^upload: +([1-9]\\d)% ", Duration.ofMinutes(2));
            first.signal("INT");
            assertThat(first.waitForExit(Duration.ofSeconds(60))).as(first.transcript()).isEqualTo(130);
            assertThat(first.stderr()).contains("chute: interrupted; the parts stored so far are checkpointed in "
                    + sidecar + ": run the same command again to resume");
        }
        long journaled = Files.readAllLines(sidecar).size() - 2; // magic line, header line, parts
        String uploadId = openUploads().get(0).uploadId();
        assertThat(client.listParts(b -> b.bucket(bucket).key("big.bin").uploadId(uploadId)).parts())
                .as("every part S3 stored before the interruption is in the checkpoint").hasSize((int) journaled);
        assertThat(journaled).isBetween(6L, 59L);

        CliProcess rerun = CliProcess.run(config, tmp.resolve("logs"), "upload", file.toString(), target);

        assertThat(rerun.exitValue()).as(rerun.transcript()).isZero();
        assertThat(rerun.stdout()).contains("; " + (60 - journaled) * 5 * MIB + " bytes sent by this run");
        assertThat(objectSha("big.bin")).isEqualTo(sha);
    }

    @Test
    void cleanup_listsAnOrphanedUploadInADryRun_andAbortsItOnlyWithApply() throws Exception {
        Path file = tmp.resolve("data/orphan.bin");
        Files2.writeRandom(file, 12 * MIB, 4);
        Path config = config(1, "");
        try (CliProcess crashed = CliProcess.start(config, tmp.resolve("logs"),
                List.of("-Dchutetest.crash-point=after-create"), "upload", file.toString(), "s3://" + bucket + "/o.bin")) {
            assertThat(crashed.waitForExit(Duration.ofMinutes(2))).as(crashed.transcript()).isEqualTo(137);
        }
        String uploadId = openUploads().get(0).uploadId();

        CliProcess young = CliProcess.run(config, tmp.resolve("logs"), "cleanup");
        CliProcess dryRun = CliProcess.run(config, tmp.resolve("logs"), "cleanup", "--older-than", "0s");

        assertThat(young.exitValue()).as(young.transcript()).isZero();
        assertThat(young.stdout()).as("younger than the default 24h").contains("0 orphaned upload(s) found");
        assertThat(dryRun.exitValue()).as(dryRun.transcript()).isZero();
        assertThat(dryRun.stdout()).contains("would abort s3://" + bucket + "/o.bin uploadId=" + uploadId,
                "1 orphaned upload(s) found; run again with --apply to abort them");
        assertThat(openUploads()).extracting(MultipartUpload::uploadId).containsExactly(uploadId);

        CliProcess apply = CliProcess.run(config, tmp.resolve("logs"), "cleanup", "--older-than", "0s", "--apply");

        assertThat(apply.exitValue()).as(apply.transcript()).isZero();
        assertThat(apply.stdout()).contains("aborted s3://" + bucket + "/o.bin uploadId=" + uploadId,
                "1 orphaned upload(s) aborted");
        assertThat(openUploads()).isEmpty();
        assertThat(CliProcess.run(config, tmp.resolve("logs"), "cleanup", "--older-than", "0s").stdout())
                .contains("0 orphaned upload(s) found");
    }

    @Test
    void runtimeFailures_exitNonZeroWithOneLine_forAMissingFileAndAMissingBucket() throws Exception {
        Path config = config(1, "");
        Path file = tmp.resolve("small.bin");
        Files2.writeRandom(file, 1000, 5);

        CliProcess noFile = CliProcess.run(config, tmp.resolve("logs"), "upload", tmp.resolve("nope.bin").toString(),
                "s3://" + bucket + "/k");
        CliProcess noBucket = CliProcess.run(config, tmp.resolve("logs"), "upload", file.toString(),
                "s3://no-such-bucket-" + bucket + "/k");

        assertThat(noFile.exitValue()).isEqualTo(1);
        assertThat(noFile.stderr().strip()).isEqualTo("chute: " + tmp.resolve("nope.bin") + ": no such file");
        assertThat(noBucket.exitValue()).as(noBucket.transcript()).isEqualTo(1);
        assertThat(lastLine(noBucket.stderr())).startsWith("chute: s3://no-such-bucket-" + bucket + "/k: no_such_bucket: ");
    }

    @Test
    void daemon_opensTheManagementPort_whichTheOneShotCommandsDoNot() throws Exception {
        Files.createDirectories(tmp.resolve("inbox"));
        Path config = config(1, """
                  rules:
                    - name: inbox
                      path: %s
                      bucket: %s
                """.formatted(tmp.resolve("inbox"), bucket));
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        try (CliProcess daemon = CliProcess.start(config, tmp.resolve("logs"),
                List.of("-Dquarkus.management.port=" + port, "-Dquarkus.management.host=127.0.0.1"), "run")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!CliProcess.listeningTcpPorts(daemon.pid()).contains(port) && System.nanoTime() < deadline
                    && daemon.isAlive()) {
                Thread.sleep(100);
            }
            assertThat(CliProcess.listeningTcpPorts(daemon.pid())).as(daemon.transcript()).contains(port);
            assertThat(daemon.stdout()).contains("Chute started");
            daemon.signal("TERM");
            assertThat(daemon.waitForExit(Duration.ofSeconds(60))).isIn(0, 143);
        }
    }

    @Test
    void status_ofALiveDaemon_showsItsRule_aStabilizingFile_andARecentUpload() throws Exception {
        Files.createDirectories(tmp.resolve("inbox"));
        Files.createDirectories(tmp.resolve("slow"));
        Path config = config(1, """
                  rules:
                    - name: inbox
                      path: %s
                      bucket: %s
                      quiet-period: 500ms
                    - name: slow
                      path: %s
                      bucket: %s
                      quiet-period: 1h
                """.formatted(tmp.resolve("inbox"), bucket, tmp.resolve("slow"), bucket));
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        try (CliProcess daemon = CliProcess.start(config, tmp.resolve("logs"),
                List.of("-Dquarkus.management.port=" + port, "-Dquarkus.management.host=127.0.0.1"), "run")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!CliProcess.listeningTcpPorts(daemon.pid()).contains(port) && System.nanoTime() < deadline
                    && daemon.isAlive()) {
                Thread.sleep(100);
            }
            Files.writeString(tmp.resolve("inbox/done.csv"), "uploaded before status is asked");
            Files.writeString(tmp.resolve("slow/growing.log"), "waits an hour for quiet");
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String text = "";
            while (System.nanoTime() < deadline) {
                CliProcess status = CliProcess.run(config, tmp.resolve("status-logs"), "status", "--url", url);
                assertThat(status.exitValue()).as(status.transcript()).isZero();
                text = status.stdout();
                if (text.contains("done.csv") && text.contains("growing.log")) {
                    break;
                }
                Thread.sleep(500);
            }
            assertThat(text).as("rendered status of the live daemon").contains("inbox", "slow")
                    .contains("STABILIZING").contains("growing.log").contains("done.csv");
            CliProcess json = CliProcess.run(config, tmp.resolve("status-logs"), "status", "--url", url, "--json");
            assertThat(json.stdout()).contains("\"name\":\"slow\"").contains("\"state\":\"STABILIZING\"");
            daemon.signal("TERM");
            assertThat(daemon.waitForExit(Duration.ofSeconds(60))).isIn(0, 143);
        }
    }

    private static List<Integer> percents(String stderr) {
        List<Integer> percents = new ArrayList<>();
        Matcher m = PROGRESS.matcher(stderr);
        while (m.find()) {
            percents.add(Integer.parseInt(m.group(1)));
        }
        return percents;
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    /**
     * Open uploads of the files under test. The endpoint probe that runs beside a multipart upload has its own,
     * under {@code .chute-probe/}: a process killed mid-probe leaves one, which the next probe aborts once stale
     * (EndpointProbeTest).
     */
    private List<MultipartUpload> openUploads() {
        return client.listMultipartUploads(b -> b.bucket(bucket)).uploads().stream()
                .filter(u -> !u.key().startsWith(".chute-probe/")).toList();
    }

    private String objectSha(String key) throws IOException {
        try (var in = client.getObject(b -> b.bucket(bucket).key(key))) {
            return Files2.sha256(in);
        }
    }
}
