package io.chute.multipart;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.chute.stability.FileIdentity;
import io.chute.testing.Files2;
import io.chute.testing.WireMockS3;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A 412 Precondition Failed on a no-overwrite write is settled by HeadObject before it is called a conflict: with
 * the key free (a proxy's or store's glitch) the write is sent again and the file uploads; nothing is aborted.
 */
class PreconditionFailedWireMockTest {

    private static final long MIB = 1024 * 1024;
    private static final ObjectOptions NO_OVERWRITE = new ObjectOptions(null, null, null, Map.of(), Map.of(), null,
            null, null, null, false);
    private static final String PRECONDITION_FAILED = "<Error><Code>PreconditionFailed</Code><Message>At least one"
            + " of the pre-conditions you specified did not hold</Message></Error>";

    @TempDir
    Path tmp;
    private WireMockServer server;
    private S3Client s3;
    private ExecutorService parts;
    private ObjectUploader uploader;

    @BeforeEach
    void start() {
        server = WireMockS3.start();
        s3 = WireMockS3.client(server);
        parts = Executors.newFixedThreadPool(2);
        uploader = new ObjectUploader(s3, parts, 5 * MIB, 5 * MIB, 10_000, true, new TransferListener() {
        });
    }

    @AfterEach
    void stop() {
        parts.shutdownNow();
        s3.close();
        server.stop();
    }

    private static String crc32cOf(Path file) throws Exception {
        CRC32C crc = new CRC32C();
        crc.update(Files.readAllBytes(file));
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private ObjectRequest request(Path file, String key) throws Exception {
        return new ObjectRequest(file, FileIdentity.of(file), "bucket", key, NO_OVERWRITE);
    }

    /** HeadObject: 404 until the scenario reaches "stored", then this object. */
    private void stubHead(String key, long size, String crc32c) {
        server.stubFor(head(urlPathEqualTo("/bucket/" + key)).inScenario(key).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(404)));
        server.stubFor(head(urlPathEqualTo("/bucket/" + key)).inScenario(key).whenScenarioStateIs("refused once")
                .willReturn(aResponse().withStatus(404)));
        server.stubFor(head(urlPathEqualTo("/bucket/" + key)).inScenario(key).whenScenarioStateIs("stored")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Length", String.valueOf(size))
                        .withHeader("ETag", "\"e\"").withHeader("x-amz-checksum-crc32c", crc32c)));
    }

    private List<LoggedRequest> requests(String key, String method) {
        return server.findAll(anyRequestedFor(urlPathEqualTo("/bucket/" + key))).stream()
                .filter(r -> r.getMethod().getName().equals(method)).toList();
    }

    @Test
    void putObject412_withTheKeyFree_isSentAgain_andUploads() throws Exception {
        Path file = Files.writeString(tmp.resolve("glitch.txt"), "small file");
        stubHead("glitch.txt", 10, crc32cOf(file));
        server.stubFor(put(urlPathEqualTo("/bucket/glitch.txt")).inScenario("glitch.txt")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("refused once")
                .willReturn(aResponse().withStatus(412).withBody(PRECONDITION_FAILED)));
        server.stubFor(put(urlPathEqualTo("/bucket/glitch.txt")).inScenario("glitch.txt")
                .whenScenarioStateIs("refused once").willSetStateTo("stored")
                .willReturn(aResponse().withStatus(200).withHeader("ETag", "\"e\"")));

        ObjectProof proof = uploader.upload(request(file, "glitch.txt"), UploadJournal.NONE, Optional.empty());

        assertThat(proof.checksum()).isEqualTo(crc32cOf(file));
        assertThat(requests("glitch.txt", "PUT")).hasSize(2)
                .allSatisfy(r -> assertThat(r.getHeader("If-None-Match")).isEqualTo("*"));
        assertThat(requests("glitch.txt", "HEAD")).as("the 412 was checked, then the upload verified").hasSize(2);
    }

    @Test
    void putObject412_twice_withTheKeyFree_isLeftForALaterAttempt_notAConflict() throws Exception {
        Path file = Files.writeString(tmp.resolve("stuck.txt"), "small file");
        server.stubFor(head(urlPathEqualTo("/bucket/stuck.txt")).willReturn(aResponse().withStatus(404)));
        server.stubFor(put(urlPathEqualTo("/bucket/stuck.txt"))
                .willReturn(aResponse().withStatus(412).withBody(PRECONDITION_FAILED)));

        assertThatThrownBy(() -> uploader.upload(request(file, "stuck.txt"), UploadJournal.NONE, Optional.empty()))
                .isInstanceOf(S3Exception.class).isNotInstanceOf(ObjectExistsException.class)
                .satisfies(e -> assertThat(((S3Exception) e).statusCode()).isEqualTo(412));
        assertThat(requests("stuck.txt", "PUT")).hasSize(2);
    }

    @Test
    void complete412_withTheKeyFree_completesAgain_withoutAborting() throws Exception {
        Path file = tmp.resolve("big.bin");
        Files2.writeRandom(file, 6 * MIB, 3);
        stubHead("big.bin", 6 * MIB, crc32cOf(file));
        server.stubFor(post(urlPathEqualTo("/bucket/big.bin")).withQueryParam("uploads", matching(".*"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/xml").withBody(
                        "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>big.bin</Key>"
                                + "<UploadId>up-1</UploadId></InitiateMultipartUploadResult>")));
        server.stubFor(put(urlPathEqualTo("/bucket/big.bin"))
                .willReturn(aResponse().withStatus(200).withHeader("ETag", "\"part-etag\"")));
        server.stubFor(post(urlPathEqualTo("/bucket/big.bin")).withQueryParam("uploadId", equalTo("up-1"))
                .inScenario("big.bin").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("refused once")
                .willReturn(aResponse().withStatus(412).withBody(PRECONDITION_FAILED)));
        server.stubFor(post(urlPathEqualTo("/bucket/big.bin")).withQueryParam("uploadId", equalTo("up-1"))
                .inScenario("big.bin").whenScenarioStateIs("refused once").willSetStateTo("stored")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/xml").withBody(
                        "<CompleteMultipartUploadResult><Bucket>bucket</Bucket><Key>big.bin</Key>"
                                + "<ETag>\"e-2\"</ETag></CompleteMultipartUploadResult>")));
        server.stubFor(delete(urlPathEqualTo("/bucket/big.bin")).willReturn(aResponse().withStatus(204)));

        ObjectProof proof = uploader.upload(request(file, "big.bin"), UploadJournal.NONE, Optional.empty());

        assertThat(proof.bucket()).isEqualTo("bucket");
        assertThat(requests("big.bin", "POST").stream().filter(r -> r.getUrl().contains("uploadId=up-1")))
                .hasSize(2).allSatisfy(r -> assertThat(r.getHeader("If-None-Match")).isEqualTo("*"));
        assertThat(requests("big.bin", "DELETE")).as("nothing aborted").isEmpty();
    }
}
