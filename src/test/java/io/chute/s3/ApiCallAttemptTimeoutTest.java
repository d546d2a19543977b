package io.chute.s3;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.chute.config.ChuteConfig;
import io.chute.config.S3Connection;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code chute.s3.api-call-attempt-timeout} bounds one request attempt against a server that stalls. */
class ApiCallAttemptTimeoutTest {

    private final WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());

    @BeforeEach
    void start() {
        server.start();
        server.stubFor(head(urlPathEqualTo("/slow-bucket")).willReturn(aResponse().withStatus(200).withFixedDelay(12_000)));
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private S3Connection connection(Map<String, String> extra) {
        Map<String, String> p = new java.util.HashMap<>(Map.of(
                "chute.s3.endpoint", "http://127.0.0.1:" + server.port(),
                "chute.s3.path-style", "true",
                "chute.s3.access-key-id", "k",
                "chute.s3.secret-access-key", "s"));
        p.putAll(extra);
        ChuteConfig config = TestConfig.of(p);
        return S3Connection.of(config.s3());
    }

    private static java.util.List<Throwable> causes(Throwable t) {
        java.util.List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        return chain;
    }

    @Test
    void attemptTimeout_endsAStalledRequest_andIsOffByDefault() {
        S3Connection bounded = connection(Map.of("chute.s3.api-call-attempt-timeout", "500ms"));
        assertThat(bounded.apiCallAttemptTimeout()).hasMillis(500);
        try (S3Client s3 = S3ClientFactory.build(bounded, e -> { })) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> s3.headBucket(b -> b.bucket("slow-bucket")))
                    .satisfies(t -> assertThat(causes(t)).hasAtLeastOneElementOfType(ApiCallAttemptTimeoutException.class));
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms until the attempts gave up").isLessThan(8_000); // one attempt without the timeout takes 12 s
        }
        assertThat(connection(Map.of()).apiCallAttemptTimeout()).isZero();
    }
}
