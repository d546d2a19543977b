package io.chute.multipart;

import io.chute.config.S3Connection;
import io.chute.s3.S3ClientFactory;
import io.chute.stability.FileIdentity;
import io.chute.testing.RecordingHttpServer;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a small file costs on the wire on a bucket whose endpoint the probe showed to check CRC32C: exactly one
 * request, a PutObject that sends its body at once (no {@code Expect: 100-continue}, so no round trip before the
 * body) and no MD5; the echoed CRC32C proves the object without a HeadObject. Recorded by a raw HTTP server.
 */
class SmallFileOnTheWireTest {

    @TempDir
    Path tmp;
    private RecordingHttpServer server;
    private S3Client s3;
    private final ExecutorService parts = Executors.newFixedThreadPool(1);

    @BeforeEach
    void start() throws Exception {
        server = new RecordingHttpServer();
        s3 = S3ClientFactory.build(S3Connection.of(TestConfig.of(Map.of("chute.daemon", "false",
                "chute.s3.endpoint", server.endpoint(), "chute.s3.path-style", "true",
                "chute.s3.access-key-id", "AKIDUMMY", "chute.s3.secret-access-key", "dummy")).s3()));
    }

    @AfterEach
    void stop() throws Exception {
        parts.shutdownNow();
        s3.close();
        server.close();
    }

    @Test
    void aSmallFile_isOneRequestOnTheWire_withItsBodyAndNoExpectContinue() throws Exception {
        byte[] content = new byte[64 * 1024];
        new Random(3).nextBytes(content);
        Path file = Files.write(tmp.resolve("small.bin"), content);
        ObjectUploader uploader = new ObjectUploader(s3, parts, 16L << 20, 0, 10_000, true, TransferListener.NONE);
        uploader.trustPutChecksums("bucket");

        ObjectProof proof = uploader.upload(new ObjectRequest(file, FileIdentity.of(file), "bucket", "small.bin",
                ObjectOptions.DEFAULTS), UploadJournal.NONE, Optional.empty());

        assertThat(proof.verifiedBy()).isEqualTo(ObjectProof.PUT_RESPONSE_CRC32C);
        assertThat(server.requests()).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("PUT");
            assertThat(r.target()).startsWith("/bucket/small.bin");
            assertThat(r.expectsContinue()).as("the body follows the headers without waiting").isFalse();
            assertThat(r.headers()).containsKey("x-amz-checksum-crc32c").doesNotContainKey("content-md5");
            assertThat(r.bodyBytes()).isEqualTo(content.length);
        });
    }

    @Test
    void aPutObjectBodyAboveTheInMemoryLimit_isReadFromTheFile_andStillOneRequestWithItsChecksum() throws Exception {
        byte[] content = new byte[PartDigest.WHOLE_BODY_MAX_BYTES * 4 + 17];
        new Random(5).nextBytes(content);
        Path file = Files.write(tmp.resolve("medium.bin"), content);
        ObjectUploader uploader = new ObjectUploader(s3, parts, 16L << 20, 0, 10_000, true, TransferListener.NONE);
        uploader.trustPutChecksums("bucket");

        uploader.upload(new ObjectRequest(file, FileIdentity.of(file), "bucket", "medium.bin",
                ObjectOptions.DEFAULTS), UploadJournal.NONE, Optional.empty());

        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(content);
        String expected = java.util.Base64.getEncoder().encodeToString(PartDigest.intBytes((int) crc.getValue()));
        assertThat(server.requests()).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("PUT");
            assertThat(r.headers()).containsEntry("x-amz-checksum-crc32c", expected);
            assertThat(r.bodyBytes()).isEqualTo(content.length);
        });
    }
}
