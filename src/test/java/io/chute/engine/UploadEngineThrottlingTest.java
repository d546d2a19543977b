package io.chute.engine;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.chute.config.ChuteConfig;
import io.chute.config.DropRule;
import io.chute.multipart.FlowControl;
import io.chute.multipart.TransferListener;
import io.chute.queue.UploadQueue;
import io.chute.stability.FileIdentity;
import io.chute.stability.StableFile;
import io.chute.testing.Files2;
import io.chute.testing.S3Objects;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TestConfig;
import io.chute.lifecycle.FileLifecycle;
import io.chute.lifecycle.FileState;
import io.chute.queue.DiskBacklog;
import io.chute.upload.Backoff;
import io.chute.upload.RetryTimer;
import io.chute.upload.RuleHealth;
import io.chute.upload.StateDirHealth;
import io.chute.upload.UploadOutcome;
import io.chute.upload.UploaderPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The adaptive limits over HTTP: the engine and uploader pool as the daemon wires them, talking to a WireMock
 * proxy on 127.0.0.1 in front of a real S3Mock. While the proxy answers every PutObject and UploadPart with
 * {@code 503 SlowDown}, the part and file limits go down and every attempt, the SDK's own retries included,
 * is counted; once it passes them through, every file ends up stored byte-identical and the limits grow back.
 * The byte budget is never exceeded throughout.
 */
class UploadEngineThrottlingTest {

    final String BUCKET = SharedS3Servers.uniqueBucketName("throttled"); // per test, on the JVM's shared S3Mock
    static final long MIB = 1024 * 1024;
    static final int PARTS = 4;
    static final int WORKERS = 3;
    static final long BUDGET = 16 * MIB;
    static final String SLOW_DOWN = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
            + "<Message>Please reduce your request rate.</Message></Error>";

    @TempDir
    Path tmp;
    S3Server server;
    S3Client direct;
    WireMockServer proxy;
    UploadEngine engine;
    UploaderPool pool;
    RetryTimer timer;
    FileLifecycle lifecycle;
    UploadQueue queue;
    DropRule rule;
    final Set<Path> stored = ConcurrentHashMap.newKeySet();
    final Map<Path, String> written = new LinkedHashMap<>();
    int batches;

    @BeforeEach
    void start() throws Exception {
        server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK);
        server.createBucket(BUCKET);
        direct = server.newClient();
        proxy = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        proxy.start();
        proxy.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(server.endpoint().toString())));

        Path folder = java.nio.file.Files.createDirectories(tmp.resolve("inbox"));
        Map<String, String> p = server.chuteProperties(proxy.baseUrl(), tmp.resolve("state"));
        p.put("chute.upload.workers", String.valueOf(WORKERS));
        p.put("chute.upload.parts-in-flight", String.valueOf(PARTS));
        p.put("chute.upload.multipart-threshold", "5M");
        p.put("chute.upload.part-size", "5M");
        p.put("chute.upload.bytes-in-flight", "16M");
        p.put("chute.upload.retry-backoff", "100ms");
        p.put("chute.upload.retry-backoff-max", "500ms");
        p.put("chute.upload.max-attempts", "1000");
        p.put("chute.rules[0].name", "inbox");
        p.put("chute.rules[0].path", folder.toString());
        p.put("chute.rules[0].bucket", BUCKET);
        ChuteConfig config = TestConfig.of(p);
        rule = DropRule.from(config.rules().get(0));
        Clock clock = Clock.systemUTC();
        engine = UploadEngine.forRules(config, TransferListener.NONE, clock, e -> { });
        queue = new UploadQueue(10_000, clock);
        lifecycle = new FileLifecycle(clock);
        timer = new RetryTimer(10_000, Thread::new, file -> requeue(file.path()));
        pool = new UploaderPool(new UploaderPool.Settings(WORKERS, 1000,
                new Backoff(Duration.ofMillis(100), Duration.ofMillis(500))),
                new UploaderPool.Wiring(queue, lifecycle, r -> engine.lane(r).files(),
                        r -> engine.lane(r).flow().files(), engine.completion(), new RuleHealth(clock),
                        new StateDirHealth(engine.stateDir(), clock), timer,
                        file -> requeue(file.path()), new DiskBacklog(), new UploaderPool.Listener() {
                    @Override
                    public void finished(StableFile file, UploadOutcome outcome, Duration took) {
                        if (outcome instanceof UploadOutcome.Completed) {
                            stored.add(file.path());
                        }
                    }
                }), (thread, error) -> { });
        pool.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
        if (timer != null) {
            timer.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (proxy != null) {
            proxy.stop();
        }
        if (direct != null) {
            direct.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** What the daemon's gate does with a stable file: held in the lifecycle, then queued. */
    private void offer(Path path) {
        lifecycle.discover(rule, path);
        lifecycle.move(path, FileState.STABILIZING);
        queue(path);
    }

    /** A file back from the pool (retry due, or changed): stable again at once in this test. */
    private void requeue(Path path) {
        lifecycle.move(path, FileState.STABILIZING);
        queue(path);
    }

    private void queue(Path path) {
        lifecycle.move(path, FileState.QUEUED);
        try {
            queue.offer(new StableFile(rule, path, FileIdentity.of(path), Instant.now()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Three multipart files of two parts and six PutObject files, offered to the pool; returns them. */
    private Set<Path> batch() throws IOException {
        int b = batches++;
        Set<Path> files = new java.util.HashSet<>();
        for (int i = 0; i < 9; i++) {
            Path file = rule.folder().resolve("b" + b + "/f" + i + ".bin");
            long size = i < 3 ? 10 * MIB : 64 * 1024 + i;
            written.put(file, Files2.writeRandom(file, size, b * 100L + i));
            files.add(file);
        }
        files.forEach(this::offer);
        return files;
    }

    private static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting until " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private void uploadBatch() throws Exception {
        Set<Path> files = batch();
        await("a batch is stored", Duration.ofSeconds(60), () -> stored.containsAll(files));
    }

    private static long served503(WireMockServer proxy) {
        return proxy.getAllServeEvents().stream().map(ServeEvent::getResponse)
                .filter(r -> r.getStatus() == 503).count();
    }

    @Test
    void slowDownAnswers_lowerPartAndFileLimits_filesStillArriveIntact_andTheLimitsGrowBack() throws Exception {
        FlowControl flow = engine.lane(rule).flow();
        long warmUpUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        long warmUpDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        // a slow window on a loaded machine may have lowered the part limit; it must have room to go down
        while (System.nanoTime() < warmUpUntil || flow.parts().limit() < 2) {
            assertThat(System.nanoTime()).as("the part limit stayed at 1 through warm-up").isLessThan(warmUpDeadline);
            uploadBatch();
        }
        assertThat(flow.throttleResponses()).as("no overload yet").isZero();
        int partsBefore = flow.parts().limit(); // the maximum, unless a slow window already lowered it
        int filesBefore = flow.files().limit();

        StubMapping slowDown = proxy.stubFor(put(urlPathMatching("/" + BUCKET + "/.*")).atPriority(1)
                .willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/xml")
                        .withBody(SLOW_DOWN)));
        Set<Path> throttled = batch();
        int[] low = new int[2]; // the limits as first seen lowered: they may grow back while the batch drains
        await("both limits went down", Duration.ofSeconds(30), () -> {
            low[0] = flow.parts().limit();
            low[1] = flow.files().limit();
            return low[0] < partsBefore && low[1] < filesBefore;
        });
        proxy.removeStub(slowDown);
        long slowDowns = served503(proxy);
        assertThat(slowDowns).isPositive();
        await("the throttled batch is stored", Duration.ofSeconds(60), () -> stored.containsAll(throttled));
        assertThat(flow.throttleResponses()).as("every 503 attempt, the SDK's retries included, was seen")
                .isEqualTo(served503(proxy));

        int lowParts = low[0];
        int lowFiles = low[1];
        for (int i = 0; i < 60 && (flow.parts().limit() <= lowParts || flow.files().limit() <= lowFiles); i++) {
            uploadBatch();
        }
        assertThat(flow.parts().limit()).as("the part limit grew back").isGreaterThan(lowParts)
                .isLessThanOrEqualTo(PARTS);
        assertThat(flow.files().limit()).as("the file limit grew back").isGreaterThan(lowFiles)
                .isLessThanOrEqualTo(WORKERS);

        assertThat(flow.bytes().highWaterInBytes()).as("bytes in flight never exceeded the budget")
                .isLessThanOrEqualTo(BUDGET).isGreaterThan(5 * MIB);
        for (Map.Entry<Path, String> file : written.entrySet()) {
            String key = rule.folder().relativize(file.getKey()).toString();
            assertThat(S3Objects.sha256(direct, BUCKET, key)).as(key).isEqualTo(file.getValue());
        }
    }
}
