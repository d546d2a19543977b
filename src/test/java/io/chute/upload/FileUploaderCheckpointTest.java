package io.chute.upload;

import io.chute.checkpoint.FileSample;
import io.chute.checkpoint.InstallationKey;
import io.chute.checkpoint.SidecarHeader;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.completion.Completion;
import io.chute.completion.ReceiptStore;
import io.chute.config.DropRule;
import io.chute.multipart.CompletedPart;
import io.chute.multipart.MultipartSession;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.PartDigest;
import io.chute.multipart.PartPlan;
import io.chute.multipart.TransferListener;
import io.chute.stability.FileIdentity;
import io.chute.stability.StableFile;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one upload attempt does with the sidecar it finds, against a real S3 server (S3Mock): corrupt sidecars
 * are set aside, a sidecar of another file version aborts its upload, a vanished upload id starts over or is
 * recognised as already complete, and parts S3 lacks are sent again — the object is always byte-identical.
 */
class FileUploaderCheckpointTest {

    static final long MIB = 1024 * 1024;
    static final String BUCKET = SharedS3Servers.uniqueBucketName("checkpoints"); // on the JVM's shared S3Mock
    static S3Server server;
    static S3Client s3;

    @TempDir
    Path tmp;
    ExecutorService parts;
    SidecarStore sidecars;
    FileUploader uploader;
    ObjectUploader engine;
    DropRule rule;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong resent = new AtomicLong();
    String endpointId;
    UploadLedger ledger;

    @BeforeAll
    static void startServer() {
        server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK);
        server.createBucket(BUCKET);
        s3 = server.newClient();
    }

    @AfterAll
    static void stopServer() {
        s3.close();
        server.close();
    }

    @BeforeEach
    void wire() throws Exception {
        Path state = tmp.resolve("state");
        Files.createDirectories(tmp.resolve("inbox"));
        Clock clock = Clock.systemUTC();
        sidecars = new SidecarStore(InstallationKey.loadOrCreate(state), clock);
        parts = Executors.newFixedThreadPool(2);
        engine = new ObjectUploader(s3, parts, 5 * MIB, 5 * MIB, 10_000, true, new TransferListener() {
            @Override
            public void bytesSent(Path file, long bytes) {
                sent.addAndGet(bytes);
            }

            @Override
            public void bytesResent(long bytes) {
                resent.addAndGet(bytes);
            }
        });
        endpointId = server.endpoint().toString();
        ledger = new UploadLedger(state, clock);
        uploader = new FileUploader(engine, sidecars, ledger,
                new Completion(new ReceiptStore(state), sidecars, state, clock), endpointId, clock);
        io.chute.testing.TestRules rules = io.chute.testing.TestRules.in(tmp.resolve("inbox"));
        rules.bucket = BUCKET;
        rule = rules.build();
    }

    @AfterEach
    void stop() {
        parts.shutdownNow();
    }

    private StableFile stable(Path file) throws Exception {
        return new StableFile(rule, file, FileIdentity.of(file), Instant.now());
    }

    private String objectSha(String key) throws Exception {
        try (var in = s3.getObject(b -> b.bucket(BUCKET).key(key))) {
            return Files2.sha256(in);
        }
    }

    private SidecarHeader headerFor(Path file, String key, String uploadId) throws Exception {
        FileIdentity id = FileIdentity.of(file);
        String sample;
        try (var channel = java.nio.channels.FileChannel.open(file)) {
            sample = FileSample.crc32cOf(channel);
        }
        return new SidecarHeader(1, id.sizeInBytes(), id.mtimeMillis(), id.fileKey(), sample,
                endpointId, BUCKET, key, uploadId, 5 * MIB, "CRC32C", Instant.now().toString());
    }

    private void writeSidecar(Path file, SidecarHeader header, List<CompletedPart> journaled) throws Exception {
        try (SidecarStore.Journal journal = sidecars.journal(file, s -> header)) {
            journal.started(new MultipartSession(BUCKET, header.key(), header.uploadId(),
                    PartPlan.of(header.size(), header.partSize(), 10_000)));
            for (CompletedPart p : journaled) {
                journal.partCompleted(p);
            }
        }
    }

    /** Uploads one real 5 MiB part outside Chute and returns it as a journal record. */
    private CompletedPart uploadPart(Path file, String key, String uploadId, int n) throws Exception {
        return uploadPart(file, key, uploadId, n, 5 * MIB);
    }

    /** Uploads part {@code n} (5 MiB parts, this one {@code length} bytes) outside Chute. */
    private CompletedPart uploadPart(Path file, String key, String uploadId, int n, long length) throws Exception {
        long offset = (n - 1) * 5 * MIB;
        try (FileChannel ch = FileChannel.open(file)) {
            PartDigest d = PartDigest.of(ch, offset, length);
            byte[] bytes = new byte[(int) length];
            ch.read(java.nio.ByteBuffer.wrap(bytes), offset);
            String etag = s3.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(uploadId).partNumber(n)
                    .checksumCRC32C(d.crc32cBase64()), RequestBody.fromBytes(bytes)).eTag().replace("\"", "");
            return new CompletedPart(n, length, etag, d.crc32cBase64(), d.md5Base64());
        }
    }

    private OrphanJanitor janitor() {
        return new OrphanJanitor(ledger, sidecars, engine, endpointId, path -> false, Clock.systemUTC(),
                java.time.Duration.ofHours(1), () -> { });
    }

    private void complete(String key, String uploadId, List<CompletedPart> parts) {
        s3.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts.stream().map(p ->
                        software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(p.partNumber())
                                .eTag(p.etag()).checksumCRC32C(p.crc32c()).build()).toList())));
    }

    private String createUpload(String key) {
        return s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key).checksumAlgorithm(ChecksumAlgorithm.CRC32_C))
                .uploadId();
    }

    @Test
    void emptyFileAtTheSidecarName_isLeftAloneAndTheFileUploadedAfresh() throws Exception {
        Path file = tmp.resolve("inbox/empty-sidecar.bin");
        String sha = Files2.writeRandom(file, 12 * MIB, 1);
        Path foreign = Files.write(sidecars.sidecarOf(file), new byte[0]);
        assertThat(uploader.attempt(stable(file))).isInstanceOf(UploadOutcome.Completed.class);
        assertThat(objectSha("empty-sidecar.bin")).isEqualTo(sha);
        assertThat(foreign).exists().isEmptyFile();
    }

    @Test
    void garbageAtTheSidecarName_isLeftAloneAndTheFileUploadedAfresh() throws Exception {
        Path file = tmp.resolve("inbox/garbage.bin");
        String sha = Files2.writeRandom(file, 11 * MIB, 2);
        Path foreign = Files.writeString(sidecars.sidecarOf(file), "{\"version\":1} deadbeef\n{garbage\n");
        assertThat(uploader.attempt(stable(file))).isInstanceOf(UploadOutcome.Completed.class);
        assertThat(objectSha("garbage.bin")).isEqualTo(sha);
        assertThat(foreign).hasContent("{\"version\":1} deadbeef\n{garbage\n");
    }

    @Test
    void sidecarOfAnEarlierVersionOfTheFile_abortsThatUploadAndStartsOver() throws Exception {
        Path file = tmp.resolve("inbox/rewritten.bin");
        Files2.writeRandom(file, 12 * MIB, 3);
        String oldUpload = createUpload("rewritten.bin");
        writeSidecar(file, headerFor(file, "rewritten.bin", oldUpload), List.of());
        String sha = Files2.writeRandom(file, 13 * MIB, 4); // the file changed since the sidecar was written
        assertThat(uploader.attempt(stable(file))).isInstanceOf(UploadOutcome.Completed.class);
        assertThat(objectSha("rewritten.bin")).isEqualTo(sha);
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix("rewritten.bin")).uploads())
                .extracting(u -> u.uploadId()).doesNotContain(oldUpload);
    }

    @Test
    void uploadIdThatNoLongerExists_withoutObject_startsOver() throws Exception {
        Path file = tmp.resolve("inbox/vanished.bin");
        String sha = Files2.writeRandom(file, 12 * MIB, 5);
        String aborted = createUpload("vanished.bin");
        CompletedPart p1 = uploadPart(file, "vanished.bin", aborted, 1);
        s3.abortMultipartUpload(b -> b.bucket(BUCKET).key("vanished.bin").uploadId(aborted));
        writeSidecar(file, headerFor(file, "vanished.bin", aborted), List.of(p1));
        assertThat(uploader.attempt(stable(file))).isInstanceOf(UploadOutcome.Completed.class);
        assertThat(objectSha("vanished.bin")).isEqualTo(sha);
        assertThat(resent.get()).as("the journaled part is sent again").isEqualTo(5 * MIB);
    }

    @Test
    void uploadIdThatNoLongerExists_withTheCompleteObjectStored_isDoneWithoutSendingAgain() throws Exception {
        Path file = tmp.resolve("inbox/completed-before-crash.bin");
        String sha = Files2.writeRandom(file, 12 * MIB, 6);
        String uploadId = createUpload("completed-before-crash.bin");
        CompletedPart p1 = uploadPart(file, "completed-before-crash.bin", uploadId, 1);
        CompletedPart p2 = uploadPart(file, "completed-before-crash.bin", uploadId, 2);
        CompletedPart p3 = uploadPart(file, "completed-before-crash.bin", uploadId, 3, 2 * MIB);
        complete("completed-before-crash.bin", uploadId, List.of(p1, p2, p3));
        writeSidecar(file, headerFor(file, "completed-before-crash.bin", uploadId), List.of(p1, p2, p3));
        assertThat(uploader.attempt(stable(file))).isInstanceOf(UploadOutcome.Completed.class);
        assertThat(sent.get()).as("bytes sent by Chute").isZero();
        assertThat(objectSha("completed-before-crash.bin")).isEqualTo(sha);
    }

    @Test
    void journaledPartThatS3Lacks_isSentAgain_andTheObjectIsIntact() throws Exception {
        Path file = tmp.resolve("inbox/missing-part.bin");
        String sha = Files2.writeRandom(file, 15 * MIB, 7);
        String uploadId = createUpload("missing-part.bin");
        CompletedPart p1 = uploadPart(file, "missing-part.bin", uploadId, 1);
        CompletedPart phantom = new CompletedPart(2, 5 * MIB, "etag-of-a-part-s3-never-stored", p1.crc32c(), p1.md5());
        writeSidecar(file, headerFor(file, "missing-part.bin", uploadId), List.of(p1, phantom));
        UploadOutcome outcome = uploader.attempt(stable(file));
        assertThat(outcome).isInstanceOf(UploadOutcome.Completed.class);
        assertThat(((UploadOutcome.Completed) outcome).resumed()).isTrue();
        assertThat(sent.get()).as("parts 2 and 3 only").isEqualTo(10 * MIB);
        assertThat(resent.get()).as("the journaled part S3 lacked").isEqualTo(5 * MIB);
        assertThat(objectSha("missing-part.bin")).isEqualTo(sha);
    }
    @Test
    void fileDeletedWhileChuteWasStopped_itsSidecarIsFound_andForgettingItAbortsTheOpenUpload() throws Exception {
        Path file = tmp.resolve("inbox/nested/deleted-meanwhile.bin");
        Files2.writeRandom(file, 12 * MIB, 8);
        Path kept = tmp.resolve("inbox/still-here.bin");
        Files2.writeRandom(kept, 12 * MIB, 9);
        String uploadId = createUpload("deleted-meanwhile.bin");
        CompletedPart p1 = uploadPart(file, "deleted-meanwhile.bin", uploadId, 1);
        writeSidecar(file, headerFor(file, "deleted-meanwhile.bin", uploadId), List.of(p1));
        String keptUpload = createUpload("still-here.bin");
        writeSidecar(kept, headerFor(kept, "still-here.bin", keptUpload), List.of());
        Files.delete(file);

        assertThat(sidecars.filesWithoutSource(tmp.resolve("inbox"), false)).as("not recursive").isEmpty();
        List<Path> vanished = sidecars.filesWithoutSource(tmp.resolve("inbox"), true);
        assertThat(vanished).containsExactly(file.toAbsolutePath());

        assertThat(janitor().forgetVanished(vanished.get(0))).isTrue();

        assertThat(sidecars.sidecarOf(file)).doesNotExist();
        assertThat(sidecars.sidecarOf(kept)).as("a file that is still there keeps its checkpoint").exists();
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads())
                .extracting(u -> u.uploadId()).contains(keptUpload).doesNotContain(uploadId);
    }

    @Test
    void fileDeletedByItsPostActionRightBeforeACrash_losesOnlyItsSidecar_theObjectStays() throws Exception {
        Path file = tmp.resolve("inbox/delivered.bin");
        String sha = Files2.writeRandom(file, 7 * MIB, 10);
        String uploadId = createUpload("delivered.bin");
        CompletedPart p1 = uploadPart(file, "delivered.bin", uploadId, 1);
        CompletedPart p2 = uploadPart(file, "delivered.bin", uploadId, 2, 2 * MIB);
        complete("delivered.bin", uploadId, List.of(p1, p2));
        writeSidecar(file, headerFor(file, "delivered.bin", uploadId), List.of(p1, p2));
        Files.delete(file); // the post-action ran; the crash came before the sidecar was removed

        assertThat(janitor().forgetVanished(file)).isTrue();

        assertThat(sidecars.sidecarOf(file)).doesNotExist();
        assertThat(objectSha("delivered.bin")).isEqualTo(sha);
    }

    @Test
    void sidecarOfAnotherEndpoint_isLeftToThatEndpointsJanitor() throws Exception {
        Path file = tmp.resolve("inbox/elsewhere.bin");
        Files2.writeRandom(file, 6 * MIB, 11);
        SidecarHeader h = headerFor(file, "elsewhere.bin", "an-upload-of-another-store");
        writeSidecar(file, new SidecarHeader(h.version(), h.size(), h.mtimeMillis(), h.fileKey(), h.sampleCrc32c(),
                "http://another-store.invalid", h.bucket(), h.key(), h.uploadId(), h.partSize(), h.checksumAlgorithm(),
                h.createdAt()), List.of());
        Files.delete(file);

        assertThat(janitor().forgetVanished(file)).isFalse();
        assertThat(sidecars.sidecarOf(file)).exists();
    }
}
