package io.chute.s3;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.chute.config.S3Connection;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over plain HTTP, bodies go out as {@code UNSIGNED-PAYLOAD} (headers, checksums included, still signed) unless
 * {@code chute.s3.sign-payload-over-http} asks for the SDK's payload hashing; a store that verifies SigV4
 * (S3Proxy) accepts both.
 */
class UnsignedPayloadOverHttpTest {

    private WireMockServer wire;

    @BeforeEach
    void start() {
        wire = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        wire.stubFor(put(urlPathEqualTo("/b/k")).willReturn(aResponse().withStatus(200).withHeader("ETag", "\"e\"")));
    }

    @AfterEach
    void stop() {
        wire.stop();
    }

    @Test
    void byDefault_aPutOverHttpCarriesUnsignedPayload_withItsChecksumHeaderSigned() {
        try (S3Client s3 = S3ClientFactory.build(connection(wire.baseUrl(), "AKIDUMMY", "dummy", false))) {
            s3.putObject(b -> b.bucket("b").key("k").checksumCRC32C(crc32c(BODY)), RequestBody.fromBytes(BODY));
        }
        LoggedRequest sent = wire.findAll(putRequestedFor(urlPathEqualTo("/b/k"))).get(0);
        assertThat(sent.getHeader("x-amz-content-sha256")).isEqualTo("UNSIGNED-PAYLOAD");
        assertThat(sent.containsHeader("Content-Encoding")).as("no aws-chunked framing").isFalse();
        assertThat(sent.getBody()).isEqualTo(BODY);
        assertThat(sent.getHeader("Authorization")).contains("x-amz-checksum-crc32c").contains("host");
    }

    @Test
    void signPayloadOverHttp_restoresTheSdksPayloadHashing() {
        try (S3Client s3 = S3ClientFactory.build(connection(wire.baseUrl(), "AKIDUMMY", "dummy", true))) {
            s3.putObject(b -> b.bucket("b").key("k").checksumCRC32C(crc32c(BODY)), RequestBody.fromBytes(BODY));
        }
        String sha = wire.findAll(putRequestedFor(urlPathEqualTo("/b/k"))).get(0).getHeader("x-amz-content-sha256");
        assertThat(sha).isNotEqualTo("UNSIGNED-PAYLOAD").isNotBlank();
    }

    @Test
    void onlyPorts80And443_wouldChangeTheHostHeader_soOnlyThoseAreSignedTheSdksWay() {
        assertThat(UnsignedPayloadOverHttp.sameHostHeaderForBothSchemes(80)).isFalse();
        assertThat(UnsignedPayloadOverHttp.sameHostHeaderForBothSchemes(443)).isFalse();
        assertThat(UnsignedPayloadOverHttp.sameHostHeaderForBothSchemes(9000)).isTrue();
    }

    @Test
    void s3ProxyVerifyingSigV4_acceptsUnsignedPutsAndParts_andStoresTheExactBytes() {
        try (S3Server server = SharedS3Servers.get(S3ServerProcess.Kind.S3PROXY);
             S3Client s3 = S3ClientFactory.build(connection(server.endpoint().toString(), server.accessKey(),
                     server.secretKey(), false))) {
            SharedS3Servers.emptyBucket(server, "unsigned");
            s3.putObject(b -> b.bucket("unsigned").key("small").checksumCRC32C(crc32c(BODY)), RequestBody.fromBytes(BODY));
            byte[] part = new byte[5 * 1024 * 1024];
            new Random(7).nextBytes(part);
            String uploadId = s3.createMultipartUpload(b -> b.bucket("unsigned").key("big")
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32_C)).uploadId();
            String etag = s3.uploadPart(b -> b.bucket("unsigned").key("big").uploadId(uploadId).partNumber(1)
                    .checksumCRC32C(crc32c(part)), RequestBody.fromBytes(part)).eTag();
            s3.completeMultipartUpload(b -> b.bucket("unsigned").key("big").uploadId(uploadId).multipartUpload(m -> m
                    .parts(List.of(CompletedPart.builder().partNumber(1).eTag(etag).checksumCRC32C(crc32c(part)).build()))));

            assertThat(s3.getObject(b -> b.bucket("unsigned").key("small"), ResponseTransformer.toBytes()).asByteArray())
                    .isEqualTo(BODY);
            assertThat(s3.getObject(b -> b.bucket("unsigned").key("big"), ResponseTransformer.toBytes()).asByteArray())
                    .isEqualTo(part);
        }
        try (S3Server server = SharedS3Servers.get(S3ServerProcess.Kind.S3PROXY);
             S3Client wrongKey = S3ClientFactory.build(connection(server.endpoint().toString(), server.accessKey(),
                     "not-the-secret", false))) {
            SharedS3Servers.emptyBucket(server, "unsigned");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> wrongKey.putObject(b -> b.bucket("unsigned")
                    .key("x"), RequestBody.fromBytes(BODY))).as("control: S3Proxy does check signatures")
                    .hasMessageContaining("403");
        }
    }

    private static final byte[] BODY = "unsigned payload, signed checksum".getBytes();

    private static S3Connection connection(String endpoint, String key, String secret, boolean signPayload) {
        Map<String, String> p = new HashMap<>(Map.of("chute.daemon", "false", "chute.s3.endpoint", endpoint,
                "chute.s3.path-style", "true", "chute.s3.access-key-id", key, "chute.s3.secret-access-key", secret,
                "chute.s3.sign-payload-over-http", String.valueOf(signPayload)));
        return S3Connection.of(TestConfig.of(p).s3());
    }

    private static String crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
