package io.chute.hostile;

import io.chute.checkpoint.SidecarCodec;
import io.chute.checkpoint.SidecarHeader;
import io.chute.e2e.DropFolderProfile;
import io.chute.observability.ChuteMetrics;
import io.chute.testing.Files2;
import io.chute.testing.InjectS3Server;
import io.chute.testing.S3Objects;
import io.chute.testing.S3Server;
import io.chute.testing.S3TestResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A drop folder is untrusted input: files named like Chute's artefacts are users' files and upload like any
 * other; whatever sits at a file's sidecar name (a FIFO, a symlink to /dev/zero, a 1 GiB sparse file, a hard
 * link, a forged or malformed checkpoint) never blocks a worker, never costs the other file its upload and is
 * itself left untouched; a FIFO dropped as a file is skipped visibly. Each case ends uploaded (bytes checked on
 * the server) or quarantined with a reason, and the daemon keeps uploading.
 */
@QuarkusTest
@TestProfile(HostileDropFolderTest.Profile.class)
@Tag("hostile")
class HostileDropFolderTest {

    static final long MIB = 1024 * 1024;
    static final String BUCKET = S3TestResource.DEFAULT_BUCKET;

    public static class Profile implements QuarkusTestProfile {
        static Path root() {
            return Path.of("target", "e2e-hostile").toAbsolutePath();
        }

        private boolean created;

        @Override
        public synchronized Map<String, String> getConfigOverrides() {
            if (!created) {
                try {
                    DropFolderProfile.deleteTree(root());
                    Files.createDirectories(root().resolve("names"));
                    Files.createDirectories(root().resolve("sidecars"));
                    // present at start: the startup sweep of vanished files' sidecars must not take them for Chute's
                    Files.writeString(root().resolve("names/notes.upload_state"), "my notes, not a checkpoint");
                    Files2.writeRandom(root().resolve("sidecars/early.bin"), 6 * MIB, 40);
                    mkfifo(root().resolve("sidecars/early.bin.upload_state"));
                    mkfifo(root().resolve("sidecars/orphan.bin.upload_state"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                created = true;
            }
            return Map.ofEntries(Map.entry("chute.daemon", "true"),
                    Map.entry("chute.state-dir", root().resolve("state").toString()),
                    Map.entry("chute.upload.multipart-threshold", "5M"),
                    Map.entry("chute.upload.part-size", "5M"),
                    Map.entry("chute.upload.retry-backoff", "200ms"),
                    Map.entry("chute.watch.stability-tick", "100ms"),
                    Map.entry("chute.rules[0].name", "names"),
                    Map.entry("chute.rules[0].path", root().resolve("names").toString()),
                    Map.entry("chute.rules[0].bucket", BUCKET),
                    Map.entry("chute.rules[0].prefix", "names/"),
                    Map.entry("chute.rules[0].quiet-period", "500ms"),
                    Map.entry("chute.rules[0].after-upload", "delete"),
                    Map.entry("chute.rules[0].quarantine-dir", root().resolve("quarantine").toString()),
                    // only *.bin: the hostile sidecars themselves (a 1 GiB sparse file among them) are not selected
                    Map.entry("chute.rules[1].name", "sidecars"),
                    Map.entry("chute.rules[1].path", root().resolve("sidecars").toString()),
                    Map.entry("chute.rules[1].bucket", BUCKET),
                    Map.entry("chute.rules[1].prefix", "sc/"),
                    Map.entry("chute.rules[1].include[0]", "*.bin"),
                    Map.entry("chute.rules[1].quiet-period", "500ms"),
                    Map.entry("chute.rules[1].after-upload", "delete"));
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(S3TestResource.class, Map.of(S3TestResource.ARG_SERVER, "s3mock")));
        }
    }

    @InjectS3Server
    S3Server server;
    @Inject
    MeterRegistry registry;

    static void mkfifo(Path path) throws IOException {
        try {
            Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
            assertThat(p.waitFor()).as("mkfifo " + path).isZero();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static Path names(String name) {
        return Profile.root().resolve("names").resolve(name);
    }

    private static Path sidecars(String name) {
        return Profile.root().resolve("sidecars").resolve(name);
    }

    /** Waits until the source is gone and checks the object's bytes. */
    private void assertUploaded(Path source, String key, String sha) throws IOException {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> !Files.exists(source));
        try (S3Client s3 = server.newClient()) {
            assertThat(S3Objects.sha256(s3, BUCKET, key)).as(key).isEqualTo(sha);
        }
    }

    @Test
    void userFilesNamedLikeChutesArtefacts_areUploaded_andAFakeTempFileIsNeverDeleted() throws Exception {
        String report = Files2.writeRandom(names("report.upload_state.csv"), 2000, 1);
        String x = Files2.writeRandom(names("x"), 6 * MIB, 2);
        Path fakeTemp = Files.writeString(names(".x.upload_state99.tmp"), "a user's hidden temp file");
        String notes = Files2.sha256(new java.io.ByteArrayInputStream(
                "my notes, not a checkpoint".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertUploaded(names("report.upload_state.csv"), "names/report.upload_state.csv", report);
        assertUploaded(names("x"), "names/x", x);
        assertUploaded(names("notes.upload_state"), "names/notes.upload_state", notes);
        assertThat(fakeTemp).as("hidden, so never uploaded; not Chute's, so never deleted")
                .hasContent("a user's hidden temp file");
    }

    /** Found by review: the interrupted-write cleanup built a glob from the name and a "[" or "{" threw. */
    @Test
    void multipartFilesWhoseNamesHoldGlobSyntax_uploadWithTheirCheckpoints() throws Exception {
        String bracket = Files2.writeRandom(names("scan[1.bin"), 6 * MIB, 3);
        String brace = Files2.writeRandom(names("{day}*?.bin"), 6 * MIB, 4);
        assertUploaded(names("scan[1.bin"), "names/scan[1.bin", bracket);
        assertUploaded(names("{day}*?.bin"), "names/{day}*?.bin", brace);
        assertThat(Files2.sidecars(names(""))).as("their checkpoints and temp files, removed after the upload")
                .noneMatch(n -> n.contains("scan[") || n.contains("{day}"));
    }

    @Test
    void fifoAtTheSidecarName_neverBlocksAWorker_theFileUploads_andTheFifoStays() throws Exception {
        assertUploaded(sidecars("early.bin"), "sc/early.bin", sha(expected(6 * MIB, 40)));
        assertThat(isFifo(sidecars("early.bin.upload_state"))).as("the FIFO is left alone").isTrue();
        assertThat(sidecars("orphan.bin.upload_state")).as("a FIFO without its file is not Chute's: kept").exists();
        Path file = sidecars("late.bin");
        mkfifo(sidecars("late.bin.upload_state"));
        assertUploaded(file, "sc/late.bin", Files2.writeRandom(file, 6 * MIB, 41));
        assertThat(isFifo(sidecars("late.bin.upload_state"))).isTrue();
    }

    @Test
    void symlinkToDevZeroAtTheSidecarName_isNeverFollowed_theFileUploads() throws Exception {
        Path link = Files.createSymbolicLink(sidecars("zero.bin.upload_state"), Path.of("/dev/zero"));
        Path file = sidecars("zero.bin");
        assertUploaded(file, "sc/zero.bin", Files2.writeRandom(file, 6 * MIB, 42));
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void sparseOneGibFileAtTheSidecarName_isNotRead_theFileUploads_andTheBigFileStays() throws Exception {
        Path sparse = sidecars("sparse.bin.upload_state");
        try (RandomAccessFile raf = new RandomAccessFile(sparse.toFile(), "rw")) {
            raf.setLength(1L << 30);
        }
        Path file = sidecars("sparse.bin");
        assertUploaded(file, "sc/sparse.bin", Files2.writeRandom(file, 6 * MIB, 43));
        assertThat(Files.size(sparse)).isEqualTo(1L << 30);
    }

    @Test
    void hardLinkedSidecar_isNotChutes_theFileUploads_andTheLinkedFileKeepsItsBytes() throws Exception {
        Path victim = Files.writeString(Profile.root().resolve("victim.txt"), "bytes that must not change\n");
        Files.createLink(sidecars("hl.bin.upload_state"), victim);
        Path file = sidecars("hl.bin");
        assertUploaded(file, "sc/hl.bin", Files2.writeRandom(file, 6 * MIB, 44));
        assertThat(victim).hasContent("bytes that must not change\n");
        assertThat(sidecars("hl.bin.upload_state")).hasContent("bytes that must not change\n");
    }

    @Test
    void forgedCheckpointWithAMalformedUploadId_isLeftAlone_theFileUploads() throws Exception {
        Path forged = Files.writeString(sidecars("forged.bin.upload_state"), SidecarCodec.MAGIC_LINE
                + "\n{\"version\":1,\"uploadId\":\"../../etc\\nforged\"} 00ff\n");
        Path file = sidecars("forged.bin");
        assertUploaded(file, "sc/forged.bin", Files2.writeRandom(file, 6 * MIB, 45));
        assertThat(forged).content().contains("../../etc");
    }

    @Test
    void signedCheckpointWithAMalformedUploadId_isCorrupt_theFileUploadsAfresh() throws Exception {
        byte[] key = Files.readAllBytes(Profile.root().resolve("state/installation.key"));
        Path file = sidecars("malformed.bin");
        String sha = Files2.writeRandom(file, 6 * MIB, 46);
        SidecarHeader header = new SidecarHeader(1, 6 * MIB, 1, "k", "s", "e", BUCKET, "sc/malformed.bin",
                "bad upload\nid", 5 * MIB, "CRC32C", "t");
        Files.write(sidecars("malformed.bin.upload_state"), new SidecarCodec(key).encodeHeader(header));
        assertUploaded(file, "sc/malformed.bin", sha);
    }

    @Test
    void signedCheckpointNamingAnUploadTheStoreDoesNotKnow_theFileUploadsAfresh() throws Exception {
        byte[] key = Files.readAllBytes(Profile.root().resolve("state/installation.key"));
        Path file = sidecars("unknown-upload.bin");
        String sha = Files2.writeRandom(file, 6 * MIB, 47);
        SidecarHeader header = new SidecarHeader(1, 6 * MIB, 1, "k", "s", "e", BUCKET, "sc/unknown-upload.bin",
                "no-such-upload-id", 5 * MIB, "CRC32C", "t");
        Files.write(sidecars("unknown-upload.bin.upload_state"), new SidecarCodec(key).encodeHeader(header));
        assertUploaded(file, "sc/unknown-upload.bin", sha);
        assertThat(sidecars("unknown-upload.bin.upload_state")).as("Chute's own sidecar is removed after upload")
                .doesNotExist();
    }

    @Test
    void fifoDroppedAsAFile_isSkippedVisibly_andNeverBlocksAWorker() throws Exception {
        mkfifo(names("pipe.csv"));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Counter c = registry.find(ChuteMetrics.FILES_SKIPPED).tag("rule", "names").tag("reason", "not_regular")
                    .counter();
            return c != null && c.count() >= 1;
        });
        Path after = names("after-pipe.csv");
        assertUploaded(after, "names/after-pipe.csv", Files2.writeRandom(after, 3000, 48));
        assertThat(isFifo(names("pipe.csv"))).as("never opened, never removed").isTrue();
    }

    @Test
    void fileNameWithANewline_endsQuarantinedWithAReason_orUploaded_andNeverSilent() throws Exception {
        Path file = names("line\n2026-12-02 10:00:00.000 INFO  [i.c.u.UploaderPool] forged uploaded.csv");
        Files.writeString(file, "a newline in my name");
        // the file leaves the folder first and its reason is written next to it right after: wait for the
        // reason, not for the file's absence (waiting for the absence raced with the reason's write)
        await().atMost(Duration.ofSeconds(60)).until(() -> !forgedReasons().isEmpty());
        List<Path> forged = forgedReasons();
        assertThat(forged).as("quarantined with a reason file").hasSize(1);
        assertThat(Files.readString(forged.get(0))).contains("control characters");
        assertThat(file).as("moved out of the drop folder").doesNotExist();
    }

    private static List<Path> forgedReasons() throws IOException {
        Path quarantine = Profile.root().resolve("quarantine");
        try (Stream<Path> reasons = Files.exists(quarantine) ? Files.list(quarantine) : Stream.empty()) {
            return reasons.filter(p -> p.getFileName().toString().startsWith("line\n")
                    && p.getFileName().toString().endsWith(".reason")).toList();
        }
    }

    private static boolean isFifo(Path p) throws IOException {
        return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther();
    }

    private static String sha(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            return Files2.sha256(in);
        }
    }

    private static Path expected(long size, long seed) throws IOException {
        Path p = Profile.root().resolve("expected-" + seed);
        Files2.writeRandom(p, size, seed);
        return p;
    }
}
