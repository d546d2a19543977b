package io.chute.multipart;

import io.chute.stability.FileIdentity;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumType;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resuming after a crash that came between S3 storing parts and the checkpoint recording them (a real server,
 * S3Mock, which lists each part's CRC32C like S3): a listed part whose size and CRC32C match the file's bytes at
 * its range is kept without a checkpoint entry; one whose bytes differ is sent again and counted as resent; the
 * completed object is the file.
 */
class ResumeByPartChecksumTest {

    private static final int PART = 5 * 1024 * 1024;
    private static S3Server server;
    private static S3Client s3;

    @TempDir
    Path tmp;
    private final ExecutorService parts = Executors.newFixedThreadPool(2);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final List<CompletedPart> journaled = new ArrayList<>();

    @BeforeAll
    static void startServer() {
        server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK);
        s3 = server.newClient();
    }

    @AfterAll
    static void stopServer() {
        s3.close();
    }

    @AfterEach
    void stop() {
        parts.shutdownNow();
    }

    @Test
    void partsStoredButNotCheckpointed_areKeptWhenTheirCrc32cMatches_andAPartWithOtherBytesIsSentAgain()
            throws Exception {
        String bucket = "resume-" + UUID.randomUUID().toString().substring(0, 8);
        server.createBucket(bucket);
        byte[] content = new byte[3 * PART];
        new Random(17).nextBytes(content);
        Path file = Files.write(tmp.resolve("big.bin"), content);
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("big.bin")
                .checksumAlgorithm(ChecksumAlgorithm.CRC32_C).checksumType(ChecksumType.FULL_OBJECT)).uploadId();
        byte[] otherBytes = new byte[PART];
        new Random(99).nextBytes(otherBytes);
        storePart(bucket, uploadId, 1, Arrays.copyOfRange(content, 0, PART));
        storePart(bucket, uploadId, 2, otherBytes); // e.g. an earlier version of the file's middle
        storePart(bucket, uploadId, 3, Arrays.copyOfRange(content, 2 * PART, 3 * PART));

        ObjectProof proof = uploader().upload(new ObjectRequest(file, FileIdentity.of(file), bucket, "big.bin",
                ObjectOptions.DEFAULTS), journal(), Optional.of(new ResumePoint(uploadId, PART, Map.of(), true)));

        assertThat(sent.get()).as("only part 2 went over the wire again").isEqualTo(PART);
        assertThat(resent.get()).as("part 2 was in S3 and is counted as resent").isEqualTo(PART);
        assertThat(journaled).extracting(CompletedPart::partNumber).as("the checkpoint now names every part")
                .containsExactlyInAnyOrder(1, 2, 3);
        assertThat(proof.sizeInBytes()).isEqualTo(content.length);
        try (var in = s3.getObject(b -> b.bucket(bucket).key("big.bin"))) {
            assertThat(Files2.sha256(in)).isEqualTo(Files2.sha256(Files.newInputStream(file)));
        }
    }

    /**
     * A restart after a kill on Ceph RGW, which lists no CRC32C for a part: the parts the checkpoint journaled are
     * kept by their ETag; a part stored in the instant before the kill, not yet journaled, cannot be proven and is
     * sent again; the completed object is the file, read back with a plain client. The checkpoint holds no MD5 for
     * its parts (sidecars written before MD5s were journaled): RGW's object is verified by its multipart ETag, so
     * the kept parts' MD5s are computed from the file on resume (a checkpoint without them once failed every
     * verification here) and must match their ETags.
     */
    @Test
    void onRgw_journaledPartsAreKeptByTheirETag_andAPartStoredButNotJournaledIsSentAgain() throws Exception {
        S3Server rgw = SharedS3Servers.get(io.chute.testing.S3Server.Store.CEPH_RGW);
        String bucket = SharedS3Servers.freshBucket(rgw, "resume");
        byte[] content = new byte[4 * PART];
        new Random(23).nextBytes(content);
        Path file = Files.write(tmp.resolve("four.bin"), content);
        try (S3Client plain = rgw.newClient()) {
            String uploadId = plain.createMultipartUpload(b -> b.bucket(bucket).key("four.bin")
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32_C)).uploadId();
            Map<Integer, CompletedPart> checkpoint = new java.util.HashMap<>();
            for (int n = 1; n <= 3; n++) {
                byte[] bytes = Arrays.copyOfRange(content, (n - 1) * PART, n * PART);
                int number = n;
                String etag = plain.uploadPart(b -> b.bucket(bucket).key("four.bin").uploadId(uploadId)
                        .partNumber(number).checksumCRC32C(crc32c(bytes)), RequestBody.fromBytes(bytes)).eTag();
                if (n <= 2) { // part 3 was stored when the kill came, before the checkpoint recorded it
                    checkpoint.put(n, new CompletedPart(n, PART, ObjectVerifier.unquote(etag), crc32c(bytes), null));
                }
            }
            assertThat(plain.listParts(b -> b.bucket(bucket).key("four.bin").uploadId(uploadId)).parts())
                    .as("RGW lists no part CRC32C (so only the checkpoint proves a part)")
                    .allSatisfy(p -> assertThat(p.checksumCRC32C()).isNull());
            ObjectUploader uploader = new ObjectUploader(plain, parts, PART, PART, 10_000, false, new TransferListener() {
                @Override
                public void bytesSent(Path f, long bytes) {
                    sent.addAndGet(bytes);
                }

                @Override
                public void bytesResent(long bytes) {
                    resent.addAndGet(bytes);
                }
            });

            ObjectProof proof = uploader.upload(new ObjectRequest(file, FileIdentity.of(file), bucket, "four.bin",
                    ObjectOptions.DEFAULTS), journal(), Optional.of(new ResumePoint(uploadId, PART, checkpoint, false)));

            assertThat(sent.get()).as("parts 3 and 4 went over the wire").isEqualTo(2L * PART);
            assertThat(resent.get()).as("part 3 was in RGW and is counted as resent").isEqualTo(PART);
            assertThat(proof.sizeInBytes()).isEqualTo(content.length);
            try (var in = plain.getObject(b -> b.bucket(bucket).key("four.bin"))) {
                assertThat(Files2.sha256(in)).isEqualTo(Files2.sha256(Files.newInputStream(file)));
            }
            assertThat(plain.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
        }
    }

    private void storePart(String bucket, String uploadId, int number, byte[] bytes) {
        s3.uploadPart(b -> b.bucket(bucket).key("big.bin").uploadId(uploadId).partNumber(number)
                .checksumCRC32C(crc32c(bytes)), RequestBody.fromBytes(bytes));
    }

    private ObjectUploader uploader() {
        return new ObjectUploader(s3, parts, PART, PART, 10_000, true, new TransferListener() {
            @Override
            public void bytesSent(Path f, long bytes) {
                sent.addAndGet(bytes);
            }

            @Override
            public void bytesResent(long bytes) {
                resent.addAndGet(bytes);
            }
        });
    }

    /** Records what the engine writes to the checkpoint: the parts it kept on resume, then each part sent. */
    private UploadJournal journal() {
        return new UploadJournal() {
            @Override
            public void started(MultipartSession session) {
            }

            @Override
            public synchronized void resumed(MultipartSession session, Collection<CompletedPart> confirmed) {
                journaled.clear();
                journaled.addAll(confirmed);
            }

            @Override
            public synchronized void partCompleted(CompletedPart part) {
                journaled.add(part);
            }
        };
    }

    private static String crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
