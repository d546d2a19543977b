package io.chute.multipart;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
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
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The headers {@link ObjectUploader} sends for {@link ObjectOptions}, recorded by WireMock playing S3 on
 * 127.0.0.1: what S3 test servers cannot store (SSE-KMS key, canned ACL, expected bucket owner) and the
 * If-None-Match of no-overwrite writes, including a 412 at CompleteMultipartUpload after another writer won.
 */
class ObjectOptionsWireMockTest {

    private static final long MIB = 1024 * 1024;
    private static final ObjectOptions OPTIONS = new ObjectOptions("GLACIER_IR", "aws:kms",
            "arn:aws:kms:us-east-1:123456789012:key/k-1", Map.of("team", "imaging"), Map.of("origin", "pc-7"),
            "application/json", "no-cache", "bucket-owner-full-control", "123456789012", false);

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

    private ObjectRequest request(Path file, String key) throws Exception {
        return new ObjectRequest(file, FileIdentity.of(file), "bucket", key, OPTIONS);
    }

    private static String crc32cOf(Path file) throws Exception {
        CRC32C crc = new CRC32C();
        crc.update(Files.readAllBytes(file));
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** HeadObject: 404 until {@code stored} is entered, then the object with this size and CRC32C. */
    private void stubHead(String key, long size, String crc32c) {
        server.stubFor(head(urlPathEqualTo("/bucket/" + key)).inScenario(key).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(404)));
        server.stubFor(head(urlPathEqualTo("/bucket/" + key)).inScenario(key).whenScenarioStateIs("stored")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Length", String.valueOf(size))
                        .withHeader("ETag", "\"e\"").withHeader("x-amz-checksum-crc32c", crc32c)));
    }

    private static void assertCarriesOptions(LoggedRequest request) {
        assertThat(request.getHeader("x-amz-storage-class")).isEqualTo("GLACIER_IR");
        assertThat(request.getHeader("x-amz-server-side-encryption")).isEqualTo("aws:kms");
        assertThat(request.getHeader("x-amz-server-side-encryption-aws-kms-key-id"))
                .isEqualTo("arn:aws:kms:us-east-1:123456789012:key/k-1");
        assertThat(request.getHeader("x-amz-tagging")).isEqualTo("team=imaging");
        assertThat(request.getHeader("x-amz-meta-origin")).isEqualTo("pc-7");
        assertThat(request.getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(request.getHeader("Cache-Control")).isEqualTo("no-cache");
        assertThat(request.getHeader("x-amz-acl")).isEqualTo("bucket-owner-full-control");
        assertThat(request.getHeader("x-amz-expected-bucket-owner")).isEqualTo("123456789012");
    }

    private List<LoggedRequest> recorded(RequestPatternBuilder pattern) {
        return server.findAll(pattern);
    }

    @Test
    void putObject_sendsEveryOptionAndIfNoneMatch() throws Exception {
        Path file = Files.writeString(tmp.resolve("small.json"), "{}");
        stubHead("small.json", 2, crc32cOf(file));
        server.stubFor(put(urlPathEqualTo("/bucket/small.json")).inScenario("small.json")
                .willSetStateTo("stored").willReturn(aResponse().withStatus(200).withHeader("ETag", "\"e\"")));

        ObjectProof proof = uploader.upload(request(file, "small.json"), UploadJournal.NONE, Optional.empty());

        assertThat(proof.checksum()).isEqualTo(crc32cOf(file));
        LoggedRequest putRequest = recorded(anyRequestedFor(urlPathEqualTo("/bucket/small.json"))).stream()
                .filter(r -> r.getMethod().getName().equals("PUT")).findFirst().orElseThrow();
        assertCarriesOptions(putRequest);
        assertThat(putRequest.getHeader("If-None-Match")).isEqualTo("*");
        assertThat(recorded(anyRequestedFor(urlPathEqualTo("/bucket/small.json"))))
                .allSatisfy(r -> assertThat(r.getHeader("x-amz-expected-bucket-owner")).isEqualTo("123456789012"));
    }

    private void stubMultipart(String key, int completeStatus) {
        server.stubFor(post(urlPathEqualTo("/bucket/" + key)).withQueryParam("uploads",
                com.github.tomakehurst.wiremock.client.WireMock.matching(".*"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/xml").withBody(
                        "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>" + key
                                + "</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>")));
        server.stubFor(put(urlPathEqualTo("/bucket/" + key))
                .willReturn(aResponse().withStatus(200).withHeader("ETag", "\"part-etag\"")));
        server.stubFor(post(urlPathEqualTo("/bucket/" + key))
                .withQueryParam("uploadId", com.github.tomakehurst.wiremock.client.WireMock.equalTo("up-1"))
                .inScenario(key).willSetStateTo("stored")
                .willReturn(completeStatus == 200
                        ? aResponse().withStatus(200).withHeader("Content-Type", "application/xml").withBody(
                        "<CompleteMultipartUploadResult><Bucket>bucket</Bucket><Key>" + key
                                + "</Key><ETag>\"e-2\"</ETag></CompleteMultipartUploadResult>")
                        : aResponse().withStatus(412).withHeader("Content-Type", "application/xml").withBody(
                        "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you"
                                + " specified did not hold</Message></Error>")));
        server.stubFor(delete(urlPathEqualTo("/bucket/" + key)).willReturn(aResponse().withStatus(204)));
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/bucket/" + key))
                .withQueryParam("tagging", com.github.tomakehurst.wiremock.client.WireMock.matching(".*"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/xml").withBody(
                        "<Tagging><TagSet><Tag><Key>team</Key><Value>imaging</Value></Tag></TagSet></Tagging>")));
    }

    private List<LoggedRequest> posts(String key) {
        return recorded(anyRequestedFor(urlPathEqualTo("/bucket/" + key))).stream()
                .filter(r -> r.getMethod().getName().equals("POST")).toList();
    }

    @Test
    void multipartUpload_sendsEveryOptionOnCreate_andIfNoneMatchOnComplete() throws Exception {
        Path file = tmp.resolve("big.bin");
        Files2.writeRandom(file, 6 * MIB, 5);
        stubHead("big.bin", 6 * MIB, crc32cOf(file));
        stubMultipart("big.bin", 200);

        uploader.upload(request(file, "big.bin"), UploadJournal.NONE, Optional.empty());

        List<LoggedRequest> posts = posts("big.bin");
        assertThat(posts).hasSize(2);
        assertCarriesOptions(posts.get(0)); // CreateMultipartUpload
        assertThat(posts.get(1).getHeader("If-None-Match")).isEqualTo("*"); // CompleteMultipartUpload
        assertThat(recorded(anyRequestedFor(urlPathEqualTo("/bucket/big.bin"))))
                .allSatisfy(r -> assertThat(r.getHeader("x-amz-expected-bucket-owner")).isEqualTo("123456789012"));
    }

    @Test
    void conflictAtComplete_abortsTheUploadAndReportsADifferentObject() throws Exception {
        Path file = tmp.resolve("race.bin");
        Files2.writeRandom(file, 6 * MIB, 6);
        stubHead("race.bin", 6 * MIB, "AAAAAA=="); // another writer stored different bytes meanwhile
        stubMultipart("race.bin", 412);

        assertThatThrownBy(() -> uploader.upload(request(file, "race.bin"), UploadJournal.NONE, Optional.empty()))
                .isInstanceOf(ObjectExistsException.class).hasMessageContaining("412").hasMessageContaining("up-1");
        assertThat(recorded(deleteRequestedFor(urlPathEqualTo("/bucket/race.bin"))))
                .singleElement().satisfies(r -> assertThat(r.queryParameter("uploadId").firstValue()).isEqualTo("up-1"));
        assertThat(recorded(anyRequestedFor(urlPathEqualTo("/bucket/race.bin"))))
                .allSatisfy(r -> assertThat(r.getHeader("x-amz-expected-bucket-owner")).isEqualTo("123456789012"));
    }

    @Test
    void conflictAtComplete_withTheSameObjectStored_isSuccess() throws Exception {
        Path file = tmp.resolve("twin.bin");
        Files2.writeRandom(file, 6 * MIB, 7);
        stubHead("twin.bin", 6 * MIB, crc32cOf(file)); // another writer stored the very same bytes
        stubMultipart("twin.bin", 412);

        ObjectProof proof = uploader.upload(request(file, "twin.bin"), UploadJournal.NONE, Optional.empty());

        assertThat(proof.checksum()).isEqualTo(crc32cOf(file));
        assertThat(recorded(deleteRequestedFor(urlPathEqualTo("/bucket/twin.bin")))).hasSize(1);
    }
}
