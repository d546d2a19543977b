package io.chute.multipart;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.chute.s3.EndpointProbe;
import io.chute.stability.FileIdentity;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.WireMockS3;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;





import software.amazon.awssdk.core.sync.ResponseTransformer;


import software.amazon.awssdk.services.s3.S3Client;


import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code chute.upload.verify=auto}: a PutObject is proven by its own response only on a bucket the probe showed
 * to refuse a wrong CRC32C, and only when the response echoes the CRC32C Chute computed; in every other case the
 * object is read back with HeadObject, and a mismatch there still fails the upload.
 */
class PutResponseVerificationTest {

    private static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;
    private WireMockServer wire;
    private S3Client s3;
    private ExecutorService parts;
    private ObjectUploader uploader;

    @BeforeEach
    void start() {
        wire = WireMockS3.start();
        s3 = WireMockS3.client(wire);
        parts = Executors.newFixedThreadPool(2);
        uploader = new ObjectUploader(s3, parts, 16 * MIB, 5 * MIB, 10_000, false, new TransferListener() {
        });
    }

    @AfterEach
    void stop() {
        parts.shutdownNow();
        s3.close();
        wire.stop();
    }

    @Test
    void onACheckingEndpoint_aPutWhoseResponseEchoesTheChecksum_isProvenWithoutHeadObject() throws Exception {
        Path file = file("a.bin", 64 * 1024);
        stubPut("a.bin", crc32cOf(file));
        uploader.trustPutChecksums("bucket");

        ObjectProof proof = uploader.upload(request(file, "a.bin"), UploadJournal.NONE, Optional.empty());

        assertThat(proof.verifiedBy()).isEqualTo(ObjectProof.PUT_RESPONSE_CRC32C);
        assertThat(proof.checksum()).isEqualTo(crc32cOf(file));
        wire.verify(0, headRequestedFor(urlPathEqualTo("/bucket/a.bin")));
        wire.verify(1, putRequestedFor(urlPathEqualTo("/bucket/a.bin")).withoutHeader("Content-MD5")
                .withHeader("x-amz-checksum-crc32c", equalTo(crc32cOf(file))));
    }

    @Test
    void onACheckingEndpoint_aResponseWithoutTheChecksum_isReadBack() throws Exception {
        Path file = file("b.bin", 64 * 1024);
        stubPut("b.bin", null);
        stubHead("b.bin", Files.size(file), crc32cOf(file));
        uploader.trustPutChecksums("bucket");

        ObjectProof proof = uploader.upload(request(file, "b.bin"), UploadJournal.NONE, Optional.empty());

        assertThat(proof.verifiedBy()).isEqualTo("crc32c");
        wire.verify(1, headRequestedFor(urlPathEqualTo("/bucket/b.bin")));
    }

    @Test
    void onACheckingEndpoint_aResponseEchoingAnotherChecksum_isReadBack_andAMismatchThereFails() throws Exception {
        Path file = file("c.bin", 64 * 1024);
        stubPut("c.bin", "AAAAAA==");
        stubHead("c.bin", Files.size(file), "AAAAAA==");
        uploader.trustPutChecksums("bucket");

        assertThatThrownBy(() -> uploader.upload(request(file, "c.bin"), UploadJournal.NONE, Optional.empty()))
                .isInstanceOf(VerificationFailedException.class);
        wire.verify(1, headRequestedFor(urlPathEqualTo("/bucket/c.bin")));
    }

    @Test
    void onAnEndpointNotShownToCheckChecksums_evenAnEchoingResponse_isReadBack() throws Exception {
        Path file = file("d.bin", 64 * 1024);
        stubPut("d.bin", crc32cOf(file));
        stubHead("d.bin", Files.size(file), crc32cOf(file));
        uploader.trustPutChecksums("another-bucket");

        ObjectProof proof = uploader.upload(request(file, "d.bin"), UploadJournal.NONE, Optional.empty());

        assertThat(proof.verifiedBy()).isEqualTo("crc32c");
        wire.verify(1, headRequestedFor(urlPathEqualTo("/bucket/d.bin")));
        wire.verify(1, putRequestedFor(urlPathEqualTo("/bucket/d.bin")).withHeader("Content-MD5", matching(".+")));
    }

    /** The real servers: the probe passes, and their PutObject answers carry the CRC32C, so no read-back is needed. */
    @ParameterizedTest
    @EnumSource(S3ServerProcess.Kind.class)
    void realServers_passTheProbe_andEchoTheChecksum_soTheStoredBytesAreProvenByThePut(S3ServerProcess.Kind kind)
            throws Exception {
        try (S3Server server = SharedS3Servers.get(kind); S3Client real = server.newClient()) {
            SharedS3Servers.emptyBucket(server, "echo");
            ObjectUploader engine = new ObjectUploader(real, parts, 16 * MIB, 5 * MIB, 10_000, false,
                    new TransferListener() {
                    });
            assertThat(EndpointProbe.probe(real, "echo").crc32cChecksums()).isTrue();
            engine.trustPutChecksums("echo");
            Path file = file("e.bin", 200 * 1024);

            ObjectProof proof = engine.upload(new ObjectRequest(file, FileIdentity.of(file), "echo", "e.bin",
                    ObjectOptions.DEFAULTS), UploadJournal.NONE, Optional.empty());

            assertThat(proof.verifiedBy()).isEqualTo(ObjectProof.PUT_RESPONSE_CRC32C);
            byte[] stored = real.getObject(b -> b.bucket("echo").key("e.bin"), ResponseTransformer.toBytes())
                    .asByteArray();
            assertThat(stored).isEqualTo(Files.readAllBytes(file));
        }
    }

    /** Parts without Content-MD5 on a trusted bucket: the multipart object is still read back, by its CRC32C. */
    @ParameterizedTest
    @EnumSource(S3ServerProcess.Kind.class)
    void realServers_multipartWithoutMd5_isReadBackByItsCrc32c(S3ServerProcess.Kind kind) throws Exception {
        try (S3Server server = SharedS3Servers.get(kind); S3Client real = server.newClient()) {
            SharedS3Servers.emptyBucket(server, "echo");
            ObjectUploader engine = new ObjectUploader(real, parts, 5 * MIB, 5 * MIB, 10_000, false,
                    new TransferListener() {
                    });
            engine.trustPutChecksums("echo");
            Path file = file("m.bin", (int) (12 * MIB + 77));
            java.util.List<CompletedPart> journaled = new java.util.concurrent.CopyOnWriteArrayList<>();
            UploadJournal journal = new UploadJournal() {
                @Override
                public void started(MultipartSession session) {
                }

                @Override
                public void resumed(MultipartSession session, java.util.Collection<CompletedPart> confirmed) {
                }

                @Override
                public void partCompleted(CompletedPart part) {
                    journaled.add(part);
                }
            };

            ObjectProof proof = engine.upload(new ObjectRequest(file, FileIdentity.of(file), "echo", "m.bin",
                    ObjectOptions.DEFAULTS), journal, Optional.empty());

            assertThat(proof.verifiedBy()).isEqualTo("crc32c");
            assertThat(journaled).hasSize(3).allSatisfy(p -> assertThat(p.md5()).isNull());
            byte[] stored = real.getObject(b -> b.bucket("echo").key("m.bin"), ResponseTransformer.toBytes())
                    .asByteArray();
            assertThat(stored).isEqualTo(Files.readAllBytes(file));
        }
    }

    private Path file(String name, int size) throws Exception {
        byte[] bytes = new byte[size];
        new Random(name.hashCode()).nextBytes(bytes);
        return Files.write(tmp.resolve(name), bytes);
    }

    private static ObjectRequest request(Path file, String key) throws Exception {
        return new ObjectRequest(file, FileIdentity.of(file), "bucket", key, ObjectOptions.DEFAULTS);
    }

    private void stubPut(String key, String echoedCrc) {
        var response = aResponse().withStatus(200).withHeader("ETag", "\"etag-" + key + "\"");
        if (echoedCrc != null) {
            response = response.withHeader("x-amz-checksum-crc32c", echoedCrc);
        }
        wire.stubFor(put(urlPathEqualTo("/bucket/" + key)).willReturn(response));
    }

    private void stubHead(String key, long size, String crc32c) {
        wire.stubFor(head(urlPathEqualTo("/bucket/" + key)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Length", String.valueOf(size)).withHeader("ETag", "\"e\"")
                .withHeader("x-amz-checksum-crc32c", crc32c)));
    }

    private static String crc32cOf(Path file) throws Exception {
        CRC32C crc = new CRC32C();
        crc.update(Files.readAllBytes(file));
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
