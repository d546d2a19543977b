package io.chute.hostile;

import io.chute.testing.DaemonProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Objects;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess.Kind;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged daemon (256 MiB heap) with a FIFO, a 1 GiB sparse file and a symlink to /dev/zero planted at
 * three files' sidecar names, and a file whose name carries a newline and a forged log line: it starts, uploads
 * the three files, stays up, quarantines the badly named file with a reason on one escaped log line, and after
 * a restart (the hostile sidecars still there) uploads again. No crash, so no crash loop.
 */
@Tag("hostile")
class HostileSidecarsPackagedIT {

    static final long MIB = 1024 * 1024;
    static final String FORGED = "2026-12-02 10:00:00.000 INFO  [i.c.u.UploaderPool] (chute-upload-1) path=forged"
            + " key=forged uploaded";

    @TempDir
    Path tmp;

    private Path config(S3Server s3, String bucket) throws IOException {
        Files.createDirectories(tmp.resolve("inbox"));
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  upload:
                    multipart-threshold: 5M
                    part-size: 5M
                  watch:
                    stability-tick: 100ms
                  s3:
                    endpoint: %s
                    region: us-east-1
                    path-style: true
                  rules:
                    - name: inbox
                      path: %s
                      bucket: %s
                      prefix: in/
                      include: ["*.bin"]
                      quiet-period: 1s
                      after-upload: delete
                      quarantine-dir: %s
                """.formatted(tmp.resolve("state"), s3.endpoint(), tmp.resolve("inbox"), bucket,
                tmp.resolve("quarantine")));
        return config;
    }

    private void plantHostileSidecars() throws Exception {
        Path inbox = tmp.resolve("inbox");
        HostileDropFolderTest.mkfifo(inbox.resolve("fifo.bin.upload_state"));
        try (RandomAccessFile raf = new RandomAccessFile(inbox.resolve("sparse.bin.upload_state").toFile(), "rw")) {
            raf.setLength(1L << 30);
        }
        Files.createSymbolicLink(inbox.resolve("zero.bin.upload_state"), Path.of("/dev/zero"));
    }

    /** Writes the three files whose sidecar names are taken, waits until uploaded, checks the objects' bytes. */
    private void uploadThree(S3Server s3, String bucket, long seed) throws Exception {
        Map<String, String> shas = new java.util.TreeMap<>();
        for (String name : new String[] {"fifo.bin", "sparse.bin", "zero.bin"}) {
            shas.put(name, Files2.writeRandom(tmp.resolve("inbox").resolve(name), 6 * MIB + seed, seed++));
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() ->
                shas.keySet().stream().noneMatch(n -> Files.exists(tmp.resolve("inbox").resolve(n))));
        try (S3Client client = s3.newClient()) {
            for (var e : shas.entrySet()) {
                assertThat(S3Objects.sha256(client, bucket, "in/" + e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    @Test
    void hostileSidecars_neitherBlockNorCrashTheDaemon_beforeOrAfterARestart_andANewlineNameForgesNoLogLine()
            throws Exception {
        S3Server s3 = SharedS3Servers.get(Kind.S3MOCK);
        String bucket = SharedS3Servers.freshBucket(s3, "hostile");
        Path config = config(s3, bucket);
        plantHostileSidecars();
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", s3.accessKey(), "AWS_SECRET_ACCESS_KEY", s3.secretKey());
        Path evil = tmp.resolve("inbox").resolve("evil\n" + FORGED + ".bin");
        try (DaemonProcess daemon = DaemonProcess.start(config, tmp.resolve("first.log"), env)) {
            daemon.awaitLog("Chute started", Duration.ofSeconds(60));
            uploadThree(s3, bucket, 1);
            Files.writeString(evil, "a newline in my name");
            await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(evil));
            daemon.awaitLog("evil\\\\n2026-12-02 10:00:00.000 INFO .* quarantined to .* control characters",
                    Duration.ofSeconds(10));
            assertThat(daemon.isAlive()).isTrue();
            assertThat(daemon.sigterm(Duration.ofSeconds(30))).as("clean stop").isIn(0, 143);
            String log = daemon.logText();
            assertThat(log.lines().filter(l -> l.startsWith("2026-12-02 10:00:00.000"))).as("forged lines").isEmpty();
            assertThat(log).doesNotContain("OutOfMemoryError");
        }
        try (DaemonProcess again = DaemonProcess.start(config, tmp.resolve("second.log"), env)) {
            again.awaitLog("Chute started", Duration.ofSeconds(60));
            uploadThree(s3, bucket, 11);
            assertThat(again.isAlive()).isTrue();
        }
        Path inbox = tmp.resolve("inbox");
        assertThat(Files.readAttributes(inbox.resolve("fifo.bin.upload_state"),
                java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther())
                .as("the FIFO is left alone").isTrue();
        assertThat(Files.size(inbox.resolve("sparse.bin.upload_state"))).isEqualTo(1L << 30);
        assertThat(Files.isSymbolicLink(inbox.resolve("zero.bin.upload_state"))).isTrue();
    }
}
