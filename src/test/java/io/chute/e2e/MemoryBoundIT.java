package io.chute.e2e;

import io.chute.testing.DaemonProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Objects;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The memory bound under the documented production launch (the JVM flags of {@code deploy/systemd/chute.service}):
 * the packaged daemon has a backlog of files waiting behind a paused rule and, at the same time, uploads a sparse
 * file more than six times its heap cap, and its peak resident set stays within 256 MiB. Memory does not grow with
 * the size of a file (parts are streamed) nor with the number of files (beyond the configured bounds of the
 * gate, queue and retry timer, files wait on disk), and no waiting file is touched.
 *
 * <p>Backlog size: {@code -Dchutetest.memory-backlog}, 40,000 by default, 100,000 with {@code -Pheavy}. 40,000 is
 * more than the three default bounds together (10,000 each), so every bound can fill to its limit and at least
 * 10,000 files still wait on disk beyond them: the worst case the bounds allow is in memory, and the backlog is
 * larger than what memory may hold. The heavy run adds a backlog ten times a bound.
 */
class MemoryBoundIT {

    static final long MIB = 1024 * 1024;
    static final long BOUND = 256 * MIB;
    static final int BACKLOG = Integer.getInteger("chutetest.memory-backlog", 40_000);
    static final long BIG = Long.getLong("chutetest.memory-file-bytes", 1024 * MIB);

    @TempDir
    Path tmp;

    /** The JVM options of the systemd unit's ExecStart (everything between the java binary and -Dquarkus...). */
    static String[] productionJvmFlags() throws IOException {
        String unit = Files.readString(Path.of("deploy/systemd/chute.service"));
        Matcher m = Pattern.compile("(?m)^ExecStart=\\S+java (.*?) -Dquarkus").matcher(unit);
        assertThat(m.find()).as("ExecStart in the systemd unit").isTrue();
        return m.group(1).trim().split("\\s+");
    }

    /** The systemd unit's {@code Environment=NAME=VALUE} lines (MALLOC_ARENA_MAX). */
    static java.util.Map<String, String> productionEnvironment() throws IOException {
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^Environment=([A-Za-z_][A-Za-z0-9_]*)=(\\S*)$")
                .matcher(Files.readString(Path.of("deploy/systemd/chute.service")));
        while (m.find()) {
            env.put(m.group(1), m.group(2));
        }
        return env;
    }

    @Test
    void aFileSixTimesTheHeap_andABacklogBeyondEveryBound_stayWithin256MiB_andNoWaitingFileIsTouched() throws Exception {
        // chutetest.memory-extra-jvm: extra JVM options for experiments (appended, so they override)
        String extra = System.getProperty("chutetest.memory-extra-jvm", "").trim();
        String[] flags = extra.isEmpty() ? productionJvmFlags()
                : java.util.stream.Stream.concat(Arrays.stream(productionJvmFlags()), Arrays.stream(extra.split("\\s+")))
                        .toArray(String[]::new);
        assertThat(flags).anySatisfy(f -> assertThat(f).startsWith("-Xmx"));
        Path big = Files.createDirectories(tmp.resolve("big"));
        Path backlog = Files.createDirectories(tmp.resolve("backlog"));
        for (int i = 0; i < BACKLOG; i++) {
            Path dir = backlog.resolve("d" + (i % 100));
            if (i < 100) {
                Files.createDirectories(dir);
            }
            Files.write(dir.resolve("f" + i), new byte[] {1});
        }
        Path staged = tmp.resolve("staging/huge.bin");
        Files.createDirectories(staged.getParent());
        String sha = writeSparse(staged, BIG);

        try (S3Server s3 = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK); S3Client client = s3.newClient()) {
            s3.createBucket("chute-mem");
            Path config = tmp.resolve("chute.yaml");
            Files.writeString(config, """
                    chute:
                      state-dir: %s
                      s3: {endpoint: %s, region: us-east-1, path-style: true, access-key-id: %s, secret-access-key: %s}
                      rules:
                        - {name: big, path: "%s", bucket: chute-mem, quiet-period: 1s, after-upload: delete}
                        - {name: backlog, path: "%s", bucket: no-such-bucket, quiet-period: 1s}
                    """.formatted(tmp.resolve("state"), s3.endpoint(), s3.accessKey(), s3.secretKey(), big, backlog));
            try (DaemonProcess daemon = DaemonProcess.startAsShipped(config, tmp.resolve("daemon.log"),
                    productionEnvironment(), flags)) {
                // started (and its management interface about to open) before the metrics are polled: on a loaded
                // host the start with the production heap can take longer than DaemonProcess.get's 30 s
                daemon.awaitLog("Chute started", Duration.ofMinutes(3));
                // the default bounds hold 10,000 files each in the gate, the queue and the retry timer; the rest
                // wait on disk, and the status says so
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2)).until(() ->
                        held(daemon) >= 10_000 && daemon.get("/q/status").body().contains("\"backlogOnDisk\":true"));
                // the paused rule's files go round at full size: some reach the retry timer, and the rule fails
                // (and pauses) again three times
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                        daemon.metric("chute_files_waiting_retry") > 0
                                && PAUSED.matcher(daemon.logText()).results().count() >= 3);

                Files.move(staged, big.resolve("huge.bin"));
                await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> !Files.exists(big.resolve("huge.bin")));

                assertThat(daemon.isAlive()).isTrue();
                assertThat(held(daemon)).as("files held in memory: bounded, not the whole backlog")
                        .isBetween(1L, 3 * 10_000L + 4);
                String status = daemon.get("/q/status").body();
                assertThat(status.split("\"state\"", -1).length - 1).as("waiting entries listed")
                        .isLessThanOrEqualTo(4 * 250);
                if (Boolean.getBoolean("chutetest.memory-nmt")) {
                    new ProcessBuilder("sh", "-c", "jcmd " + daemon.pid() + " VM.native_memory summary; jcmd " + daemon.pid() + " GC.class_histogram | head -30; jcmd " + daemon.pid() + " GC.heap_info")
                            .redirectOutput(tmp.resolveSibling("memory-nmt.txt").toFile()).start().waitFor();
                    Files.writeString(tmp.resolveSibling("memory-status.txt"),
                            Files.readString(Path.of("/proc", String.valueOf(daemon.pid()), "status")));
                }
                long peak = daemon.peakRssBytes();
                assertThat(peak).as("peak RSS %d MiB with flags %s", peak / MIB, Arrays.toString(flags))
                        .isLessThanOrEqualTo(BOUND);
            }
            assertThat(S3Objects.sha256(client, "chute-mem", "huge.bin")).isEqualTo(sha);
        }
        try (var files = Files.walk(backlog)) {
            assertThat(files.filter(Files::isRegularFile).count()).as("no backlog file touched").isEqualTo(BACKLOG);
        }
    }

    private static final Pattern PAUSED = Pattern.compile("rule=backlog bucket=no-such-bucket paused for");

    /** Files the daemon holds: queued, stabilizing, or waiting out the rule's pause. */
    private static long held(DaemonProcess daemon) throws Exception {
        return Math.round(daemon.metric("chute_queue_depth") + daemon.metric("chute_files_stabilizing")
                + daemon.metric("chute_files_waiting_retry"));
    }

    /** A sparse file of {@code size} bytes with 1 MiB of random data every 64 MiB; returns its SHA-256. */
    private static String writeSparse(Path file, long size) throws IOException {
        Random random = new Random(42);
        byte[] block = new byte[(int) MIB];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
            for (long at = 0; at + MIB <= size; at += 64 * MIB) {
                random.nextBytes(block);
                raf.seek(at);
                raf.write(block);
            }
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Files2.sha256(in);
        }
    }
}
