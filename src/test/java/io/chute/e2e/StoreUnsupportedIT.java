package io.chute.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.chute.testing.DaemonProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.S3ServerProcess.Kind;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A store that does not implement a header the rule sends (stock S3Proxy answers every tagged PutObject with
 * 501 NotImplemented "Unknown header x-amz-tagging"): one attempt, no retries towards quarantine; the file waits
 * in place, the rule is not ready, and readiness names the header.
 */
@Tag("hostile")
class StoreUnsupportedIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void notImplementedOnPutObject_isStoreUnsupported_oneAttempt_theRuleWaitsNamingTheHeader() throws Exception {
        String bucket = "chute-501-" + UUID.randomUUID().toString().substring(0, 8);
        try (S3Server s3 = SharedS3Servers.get(Kind.S3MOCK)) { // shared per JVM: close() leaves it running
            s3.createBucket(bucket);
            WireMockServer proxy = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
            proxy.start();
            try {
                proxy.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(s3.endpoint().toString())));
                proxy.stubFor(put(urlPathMatching(".*/tagged\\.bin")).atPriority(1).willReturn(aResponse().withStatus(501)
                        .withHeader("Content-Type", "application/xml")
                        .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NotImplemented</Code>"
                                + "<Message>Unknown header x-amz-tagging</Message></Error>")));
                Path inbox = Files.createDirectories(tmp.resolve("inbox"));
                Path config = tmp.resolve("chute.yaml");
                Files.writeString(config, """
                        chute:
                          state-dir: %s
                          watch:
                            stability-tick: 100ms
                          s3:
                            endpoint: http://127.0.0.1:%d
                            path-style: true
                            access-key-id: %s
                            secret-access-key: %s
                            probe: false
                          rules:
                            - name: tagged
                              path: %s
                              bucket: %s
                              quiet-period: 500ms
                              after-upload: delete
                              tags: {team: data}
                        """.formatted(tmp.resolve("state"), proxy.port(), s3.accessKey(), s3.secretKey(), inbox, bucket));
                try (DaemonProcess daemon = DaemonProcess.start(config, tmp.resolve("daemon.log"))) {
                    daemon.awaitLog("Chute started", Duration.ofSeconds(90));
                    Files2.writeRandom(tmp.resolve("tagged.bin"), 1024, 1);
                    Files.move(tmp.resolve("tagged.bin"), inbox.resolve("tagged.bin"));

                    await().atMost(Duration.ofSeconds(60)).until(() -> pausedFor(daemon, "store_unsupported"));
                    var ready = daemon.get("/q/health/ready");
                    assertThat(ready.statusCode()).isEqualTo(503);
                    assertThat(ready.body()).contains("store_unsupported", "501 NotImplemented",
                            "Unknown header x-amz-tagging");
                    assertThat(proxy.findAll(putRequestedFor(urlPathMatching(".*/tagged\\.bin")))).hasSize(1);
                    assertThat(daemon.logText()).doesNotContain("attempt 2 of", "quarantined");
                    assertThat(inbox.resolve("tagged.bin")).as("waits in place").exists();
                }
            } finally {
                proxy.stop();
            }
        }
    }

    private static boolean pausedFor(DaemonProcess daemon, String reason) throws Exception {
        for (JsonNode w : JSON.readTree(daemon.get("/q/status").body()).path("waiting")) {
            if (w.path("state").asText().equals("PAUSED") && w.path("detail").asText().contains(reason)) {
                return true;
            }
        }
        return false;
    }
}
