package io.chute.upload;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.chute.config.DropRule;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.TransferListener;
import io.chute.observability.FatalErrors;
import io.chute.observability.RuleChecks;
import io.chute.testing.TestConfig;
import io.chute.testing.WireMockS3;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rule health follows the failing operation: with PutObject refused (403) while HeadBucket answers 200, a rule
 * paused by a refused write stays DOWN through every bucket probe, and is UP again only once a probe write with
 * the rule's options (under .chute-probe/) is accepted.
 */
class RuleProbeWireMockTest {

    private static final String DENIED = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";

    @TempDir
    Path tmp;
    private WireMockServer server;
    private S3Client s3;
    private ExecutorService parts;
    private ObjectUploader objects;

    @BeforeEach
    void start() {
        server = WireMockS3.start();
        s3 = WireMockS3.client(server);
        parts = Executors.newFixedThreadPool(1);
        objects = new ObjectUploader(s3, parts, 8L << 20, 8L << 20, 10_000, true, new TransferListener() {
        });
    }

    @AfterEach
    void stop() {
        parts.shutdownNow();
        s3.close();
        server.stop();
    }

    private DropRule rule() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        return DropRule.from(TestConfig.of(Map.of("chute.rules[0].name", "writes", "chute.rules[0].path",
                inbox.toString(), "chute.rules[0].bucket", "bucket", "chute.rules[0].storage-class", "standard-ia"))
                .rules().get(0));
    }

    /** What the daemon's periodic probe does for one rule (DaemonSchedules.probeBuckets). */
    private void bucketProbe(DropRule rule, RuleHealth health) {
        s3.headBucket(b -> b.bucket(rule.bucket()));
        health.probeSucceeded(rule.name());
        RuleProbe.checkPaused(objects, rule, health);
    }

    @Test
    void aRuleWhoseWriteWasRefused_staysDownWhileHeadBucketSucceeds_untilAProbeWriteIsAccepted() throws Exception {
        DropRule rule = rule();
        RuleHealth health = new RuleHealth(Clock.systemUTC(), new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)));
        RuleChecks readiness = new RuleChecks(health, new FatalErrors(), Duration.ofSeconds(2));
        server.stubFor(head(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(200)));
        StubMapping refused = server.stubFor(put(urlPathMatching("/bucket/.*"))
                .willReturn(aResponse().withStatus(403).withBody(DENIED)));
        server.stubFor(delete(urlPathMatching("/bucket/.*")).willReturn(aResponse().withStatus(204)));

        // an upload's PutObject was refused: the pool records it so
        health.failed(rule.name(), FailureReason.ACCESS_DENIED, "403 AccessDenied: PutObject");
        for (int probe = 0; probe < 3; probe++) {
            Thread.sleep(5); // past the 1 ms pause, so the probe write is due
            bucketProbe(rule, health);
            assertThat(readiness.problem(rule)).as("probe %d while PutObject is refused", probe)
                    .hasValueSatisfying(p -> assertThat(p).contains("access_denied"));
        }
        assertThat(server.findAll(putRequestedFor(urlPathMatching("/bucket/\\.chute-probe/rule-.*"))))
                .hasSize(3).allSatisfy(r -> assertThat(r.getHeader("x-amz-storage-class")).isEqualTo("STANDARD_IA"));

        server.removeStub(refused);
        server.stubFor(put(urlPathMatching("/bucket/.*")).willReturn(aResponse().withStatus(200)
                .withHeader("ETag", "\"e\"")));
        Thread.sleep(5);
        bucketProbe(rule, health);
        assertThat(readiness.problem(rule)).isEmpty();
        assertThat(health.failing(rule.name())).isEmpty();
    }
}
