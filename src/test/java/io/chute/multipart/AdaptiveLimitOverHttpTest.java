package io.chute.multipart;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.chute.config.S3Connection;
import io.chute.s3.S3ClientFactory;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The files limit of one connection over real HTTP, wired as the engine wires it (the client reports every
 * status to the flow control): behind a fixed added latency, where each request mostly waits, the limit grows
 * from its starting point while throughput does; once the endpoint answers 503 SlowDown, it goes down.
 */
class AdaptiveLimitOverHttpTest {

    private static final int SENDERS = 24;
    private static final String SLOW_DOWN = "<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>";

    private final WireMockServer wire = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
            .containerThreads(SENDERS + 10));
    private final ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
    private final AtomicBoolean running = new AtomicBoolean(true);

    @AfterEach
    void stop() throws Exception {
        running.set(false);
        senders.shutdownNow();
        senders.awaitTermination(30, TimeUnit.SECONDS);
        wire.stop();
    }

    @Test
    void behindAFixedLatency_theLimitGrows_andOnSlowDownItShrinks() {
        wire.start();
        wire.stubFor(put(urlPathMatching("/b/.*")).willReturn(aResponse().withStatus(200)
                .withHeader("ETag", "\"e\"").withFixedDelay(60)));
        AdaptiveGate files = AdaptiveGate.ignoringLatency(2, SENDERS, true, Clock.systemUTC());
        FlowControl flow = new FlowControl(AdaptiveGate.of(2, 2, true, Clock.systemUTC()), files,
                ByteBudget.unlimited());
        S3Client s3 = S3ClientFactory.build(S3Connection.of(TestConfig.of(Map.of("chute.daemon", "false",
                "chute.s3.endpoint", wire.baseUrl(), "chute.s3.path-style", "true",
                "chute.s3.access-key-id", "AKIDUMMY", "chute.s3.secret-access-key", "dummy")).s3()),
                failure -> { }, flow::responded);
        for (int i = 0; i < SENDERS; i++) {
            int sender = i;
            senders.submit(() -> send(s3, files, sender));
        }

        await().atMost(Duration.ofSeconds(120)).untilAsserted(() ->
                assertThat(files.limit()).as("grown from 2 behind 60 ms per request").isGreaterThanOrEqualTo(8));

        int grown = files.limit();
        wire.stubFor(put(urlPathMatching("/b/.*")).willReturn(aResponse().withStatus(503).withBody(SLOW_DOWN)));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(files.limit()).as("halved on SlowDown").isLessThanOrEqualTo(grown / 2));
        assertThat(flow.throttleResponses()).isPositive();
        s3.close();
    }

    /** Sends small PutObjects under the files gate until the test ends, as uploader threads do. */
    private void send(S3Client s3, AdaptiveGate files, int sender) {
        byte[] body = new byte[4096];
        for (int n = 0; running.get(); n++) {
            String key = "f-" + sender + "-" + n;
            try {
                files.acquire();
            } catch (InterruptedException e) {
                return;
            }
            long start = System.nanoTime();
            try {
                s3.putObject(b -> b.bucket("b").key(key), RequestBody.fromBytes(body));
                files.succeeded(body.length, Duration.ofNanos(System.nanoTime() - start));
            } catch (RuntimeException refused) {
                // SlowDown after the SDK's retries: the status was already reported to the flow control
            } finally {
                files.release();
            }
        }
    }
}
