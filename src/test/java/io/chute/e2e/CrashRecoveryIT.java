package io.chute.e2e;

import io.chute.faults.CrashPoint;
import io.chute.testing.DaemonProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.S3ServerProcess.Kind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 at named instants and at random ones, against the packaged daemon and a real S3 server: after a
 * restart every file is in S3 byte-identical, no partial or stray object or multipart upload remains, every
 * source is accounted for, and only parts in flight at the crash are sent again.
 * Trial count for random kills: {@code -Dchutetest.random-trials} (default 8, {@code -Pheavy} 100).
 */
@Order(1) // the longest packaged class starts first, so shorter ones fill the other lane (pom: failsafe)
@Execution(ExecutionMode.CONCURRENT) // two trials at a time (failsafe's parallelism): each has its own daemon,
// temp dir and bucket; one's JVM start overlaps the other's quiet periods and uploads
class CrashRecoveryIT {

    static final long MIB = 1024 * 1024;
    static final int PARTS_IN_FLIGHT = 2;
    /** A daemon start takes seconds on an idle host; two at a time on a loaded one took over a minute. */
    static final Duration START = Duration.ofMinutes(3);
    static S3Server s3;
    static S3Client client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() {
        s3 = SharedS3Servers.get(Kind.S3MOCK);
        client = s3.newClient();
    }

    @AfterAll
    static void stopServer() {
        client.close();
        s3.close();
    }

    private Path config(String bucket) throws IOException {
        Files.createDirectories(tmp.resolve("inbox"));
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  upload: {multipart-threshold: 5M, part-size: 5M, parts-in-flight: %d, retry-backoff: 1s}
                  watch: {stability-tick: 100ms}
                  s3: {endpoint: "%s", region: us-east-1, path-style: true, access-key-id: a, secret-access-key: b}
                  rules:
                    - {name: inbox, path: "%s", bucket: %s, quiet-period: 500ms, after-upload: delete}
                """.formatted(tmp.resolve("state"), PARTS_IN_FLIGHT, s3.endpoint(), tmp.resolve("inbox"), bucket));
        return config;
    }

    /** Drops files by rename into place and returns their SHA-256 by name. */
    private Map<String, String> dropFiles(long seed) throws IOException {
        return dropFiles("", seed);
    }

    /** Drops four files named {@code <prefix>file-<i>.bin} (two multipart) by rename; returns their SHA-256s. */
    private Map<String, String> dropFiles(String prefix, long seed) throws IOException {
        Map<String, String> shas = new LinkedHashMap<>();
        long[] sizes = {32 * MIB + 17, 12 * MIB, 100_000, 0};
        for (int i = 0; i < sizes.length; i++) {
            String name = prefix + "file-" + i + ".bin";
            Path staged = tmp.resolve("staging").resolve(name);
            shas.put(name, Files2.writeRandom(staged, sizes[i], seed + i));
            Files.move(staged, tmp.resolve("inbox").resolve(name));
        }
        return shas;
    }

    /**
     * The restarted daemon finishes the {@code recovered} files: each leaves the inbox with its sidecar, at most
     * {@code maxResentBytes} go again, the bucket holds exactly the {@code all} keys, each recovered object is
     * byte-identical, no multipart upload is left and the inbox is empty.
     */
    private void assertRecovered(DaemonProcess after, String bucket, Map<String, String> all,
                                 Map<String, String> recovered, double maxResentBytes) throws Exception {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> recovered.keySet().stream().noneMatch(n -> Files.exists(tmp.resolve("inbox").resolve(n))));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Files2.sidecars(tmp.resolve("inbox")))
                .as("sidecars left in the inbox").isEmpty());
        assertThat(after.metric("chute_resent_bytes_total")).as("bytes sent again").isLessThanOrEqualTo(maxResentBytes);
        List<S3Object> objects = client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream().toList();
        assertThat(objects).extracting(S3Object::key).containsExactlyInAnyOrderElementsOf(all.keySet());
        for (var e : recovered.entrySet()) {
            try (var in = client.getObject(b -> b.bucket(bucket).key(e.getKey()))) {
                assertThat(Files2.sha256(in)).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
        assertThat(client.listMultipartUploads(b -> b.bucket(bucket)).uploads())
                .as("no multipart upload left behind").isEmpty();
        try (var inbox = Files.list(tmp.resolve("inbox"))) {
            assertThat(inbox).as("every source accounted for").isEmpty();
        }
    }

    /**
     * kill -9 at every named crash point in turn. Each daemon is started to halt at one point (on the second file
     * to reach it) and is also the one that recovers the previous trial's files, so it may halt while recovering
     * (a crash during recovery) or before it has even logged its start; either way it must halt at its own point.
     * Chained like this the 12 points cost 13 daemon starts instead of 24. A last daemon without a crash point
     * then finishes everything: every file of every trial byte-identical in S3, no multipart upload left, no
     * source or sidecar left. Each resume sends again at most the parts that were in flight at the crash (the
     * "resuming" lines of every daemon's log say how much), and there were resumes to check.
     */
    @Test
    void killAtEachNamedPointInTurn_theRestartsFinishEveryFileIntact() throws Exception {
        String bucket = SharedS3Servers.freshBucket(s3, "named-points");
        Path config = config(bucket);
        Map<String, String> all = new LinkedHashMap<>();
        List<Path> logs = new ArrayList<>();
        for (CrashPoint point : CrashPoint.values()) {
            Path log = tmp.resolve("daemon-" + point.id() + ".log");
            logs.add(log);
            try (DaemonProcess victim = DaemonProcess.start(config, log, "-D" + CrashPoint.PROPERTY + "=" + point.id(),
                    "-D" + CrashPoint.COUNT_PROPERTY + "=2")) {
                await().atMost(START).pollInterval(Duration.ofMillis(100))
                        .until(() -> victim.logText().contains("Chute started") || !victim.isAlive());
                all.putAll(dropFiles(point.id() + "-", point.ordinal() * 10L));
                assertThat(victim.waitForExit(Duration.ofSeconds(90))).as("halted at " + point.id()).isEqualTo(137);
                assertThat(victim.logText()).contains("crash point " + point.id() + " reached");
            }
        }
        Path last = tmp.resolve("after.log");
        logs.add(last);
        try (DaemonProcess after = DaemonProcess.start(config, last)) {
            after.awaitLog("Chute started", START);
            assertRecovered(after, bucket, all, all, Double.MAX_VALUE); // bounded per resume below
        }
        List<Long> resent = new ArrayList<>();
        for (Path log : logs) {
            String text = Files.readString(log);
            Matcher m = RESENT.matcher(text);
            while (m.find()) {
                resent.add(Long.parseLong(m.group(1)));
            }
            // the other way parts go again (the chute_resent_bytes_total bound of one trial caught it too)
            assertThat(text).as(log.getFileName().toString()).doesNotContain("starting over");
        }
        assertThat(resent).as("bytes each resume sent again").isNotEmpty()
                .allSatisfy(bytes -> assertThat(bytes).isLessThanOrEqualTo(PARTS_IN_FLIGHT * 5 * MIB));
    }

    /** The resume line of {@code ObjectUploader}: how many bytes S3 or the checkpoint held that go again. */
    private static final Pattern RESENT =
            Pattern.compile("resuming: .*; (\\d+) bytes S3 or the checkpoint held are sent again");

    /**
     * The named points above halt on the second file to reach them, which may be a small file without a sidecar;
     * this one makes sure the instant between deleting a multipart source and removing its sidecar is hit.
     */
    @Test
    void killBetweenDeletingAMultipartSourceAndItsSidecar_restartRemovesTheLeftoverSidecar() throws Exception {
        String bucket = "crash-post-action-multipart";
        s3.createBucket(bucket);
        Path config = config(bucket);
        Path staged = tmp.resolve("staging").resolve("big.bin");
        String sha = Files2.writeRandom(staged, 12 * MIB, 77);
        Path file = tmp.resolve("inbox").resolve("big.bin");
        try (DaemonProcess before = DaemonProcess.start(config, tmp.resolve("before.log"),
                "-D" + CrashPoint.PROPERTY + "=" + CrashPoint.AFTER_POST_ACTION.id())) {
            before.awaitLog("Chute started", START);
            Files.move(staged, file);
            assertThat(before.waitForExit(Duration.ofSeconds(90))).isEqualTo(137);
        }
        assertThat(file).as("deleted by the post-action").doesNotExist();
        assertThat(Files2.sidecarCount(tmp.resolve("inbox"))).as("the sidecar the crash left").isEqualTo(1);
        try (DaemonProcess after = DaemonProcess.start(config, tmp.resolve("after.log"))) {
            after.awaitLog("Chute started", START);
            assertThat(Files2.sidecarCount(tmp.resolve("inbox"))).as("removed at start").isZero();
            assertThat(after.logText()).contains("is gone; its checkpoint");
        }
        try (var in = client.getObject(b -> b.bucket(bucket).key("big.bin"))) {
            assertThat(Files2.sha256(in)).isEqualTo(sha);
        }
        assertThat(client.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
    }

    /**
     * Random kill -9s while multipart uploads are in flight. The kill instant is random but aimed: a number of the
     * big file's parts (0 to 5 of its 7) is drawn, the trial waits until its sidecar journals that many, then
     * waits a random 0-150 ms more and kills, so every kill lands somewhere inside the upload whatever the speed of
     * the machine (a fixed 0.3-2.8 s after the drop, as before, often killed an idle or a finished daemon). Each
     * trial proves where it landed: the store still has a multipart upload open right after the kill (a "hit"),
     * and the hit ratio is printed and must stay at 3 in 4 or better. The daemon that recovers a trial's files is
     * the next trial's victim (so N trials cost N + 1 daemon starts, not 2N); every trial drops new file names
     * into the same bucket, and each recovery is checked in full: objects byte-identical, no multipart upload left,
     * no source or sidecar left, at most the parts in flight sent again.
     * Trial count: {@code -Dchutetest.random-trials} (default 8; {@code -Pheavy}: 100).
     */
    @Test
    void randomKill9s_whileMultipartUploadsAreInFlight_loseAndCorruptNothing() throws Exception {
        int trials = Integer.getInteger("chutetest.random-trials", 8);
        Random random = new Random(2026);
        String bucket = SharedS3Servers.freshBucket(s3, "random-kills");
        Path config = config(bucket);
        Map<String, String> all = new LinkedHashMap<>();
        List<String> landings = new ArrayList<>();
        int hits = 0;
        DaemonProcess daemon = DaemonProcess.start(config, tmp.resolve("daemon-0.log"));
        try {
            daemon.awaitLog("Chute started", START);
            for (int trial = 0; trial < trials; trial++) {
                Map<String, String> shas = dropFiles("t" + trial + "-", 1000L + trial * 10L);
                int parts = random.nextInt(6);
                long jitterMs = random.nextInt(150);
                Path bigSidecar = tmp.resolve("inbox").resolve("t" + trial + "-file-0.bin.upload_state");
                Path big = tmp.resolve("inbox").resolve("t" + trial + "-file-0.bin");
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(5))
                        .until(() -> Files.exists(bigSidecar) && journaledParts(bigSidecar) >= parts
                                || !Files.exists(big)); // gone: uploaded already, a miss
                Thread.sleep(jitterMs); // the random instant within the part in flight
                daemon.kill9();
                List<MultipartUpload> open = client.listMultipartUploads(b -> b.bucket(bucket)).uploads();
                if (!open.isEmpty()) {
                    hits++;
                }
                landings.add("trial " + trial + ": " + parts + " parts journaled + " + jitterMs + " ms -> "
                        + open.size() + " multipart upload(s) open, " + Files2.sidecarCount(tmp.resolve("inbox"))
                        + " sidecar(s)");
                all.putAll(shas);
                daemon = DaemonProcess.start(config, tmp.resolve("daemon-" + (trial + 1) + ".log"));
                daemon.awaitLog("Chute started", START);
                assertRecovered(daemon, bucket, all, shas, PARTS_IN_FLIGHT * 5.0 * MIB);
            }
        } finally {
            daemon.close();
        }
        String report = "random kill -9 trials with a multipart upload open at the kill: " + hits + "/" + trials
                + System.lineSeparator() + String.join(System.lineSeparator(), landings);
        System.out.println("[crash-hit-ratio] " + report);
        Files.writeString(Path.of("target", "crash-hit-ratio.txt"), report + System.lineSeparator());
        assertThat(hits).as(report).isGreaterThanOrEqualTo((3 * trials + 3) / 4);
    }

    /** Parts the sidecar has journaled (one line each after the header); 0 before it exists or once it is gone. */
    private static long journaledParts(Path sidecar) {
        try {
            return Math.max(0, Files.readAllLines(sidecar).size() - 1);
        } catch (IOException notYetOrGone) {
            return 0;
        }
    }
}
