package io.chute.s3;

import io.chute.config.S3Connection;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TLS verification against an HTTPS endpoint with a self-signed certificate (WireMock's own, on 127.0.0.1). */
class TrustAllCertificatesTest {

    private WireMockServer server;

    @BeforeEach
    void start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().dynamicHttpsPort());
        server.start();
        server.stubFor(head(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(200)));
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private S3Client client(String trustAll) {
        return S3ClientFactory.build(S3Connection.of(TestConfig.of(Map.of("chute.daemon", "false",
                "chute.s3.endpoint", "https://127.0.0.1:" + server.httpsPort(), "chute.s3.path-style", "true",
                "chute.s3.access-key-id", "AKIDUMMY", "chute.s3.secret-access-key", "dummy",
                "chute.s3.trust-all-certificates", trustAll)).s3()));
    }

    @Test
    void byDefault_aSelfSignedCertificateIsRefused() {
        try (S3Client s3 = client("false")) {
            assertThatThrownBy(() -> s3.headBucket(b -> b.bucket("bucket"))).isInstanceOf(SdkClientException.class)
                    .hasStackTraceContaining("SSL");
        }
    }

    @Test
    void withTrustAllCertificates_aSelfSignedEndpointIsReached() {
        try (S3Client s3 = client("true")) {
            assertThatCode(() -> s3.headBucket(b -> b.bucket("bucket"))).doesNotThrowAnyException();
        }
    }
}
