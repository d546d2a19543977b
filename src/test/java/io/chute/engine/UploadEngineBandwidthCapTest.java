package io.chute.engine;

import io.chute.config.ChuteConfig;
import io.chute.config.DropRule;
import io.chute.multipart.TransferListener;
import io.chute.stability.FileIdentity;
import io.chute.stability.StableFile;
import io.chute.testing.Files2;
import io.chute.testing.S3Objects;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TestConfig;
import io.chute.upload.UploadOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The specified behaviour of {@code chute.upload.bandwidth}: a hard cap on the bytes Chute's engine sends, shared
 * by every file, part, rule and S3 connection of the process. Real files go through {@link UploadEngine} to a real
 * S3Mock process on loopback, several multipart uploads in parallel; the measured rate (bytes acknowledged ÷ the
 * time from the first request to the last acknowledged part) must not exceed the cap by more than 10%, and the
 * cap, not the machine, must have set the pace.
 */
class UploadEngineBandwidthCapTest {

    static final long MIB = 1024 * 1024;
    static final long CAP = 4 * MIB;
    /**
     * The cap is a ceiling: the measured rate may exceed it by at most 10%. Below it, time the test JVM or the
     * server spends stalled (GC, a starved core) is lost for good, since the bucket only saves 100 ms of tokens,
     * so the floor only has to tell "paced by the cap" from a broken limiter: charging bytes twice gives half the
     * cap, and that fails here.
     */
    static final double FLOOR = 0.75;
    static final String BUCKET = SharedS3Servers.uniqueBucketName("capped"); // on the JVM's shared S3Mock
    static S3Server server;
    static S3Client s3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() {
        server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK);
        server.createBucket(BUCKET);
        s3 = server.newClient();
    }

    @AfterAll
    static void stopServer() {
        s3.close();
        server.close();
    }

    /**
     * Two rules; the second overrides a connection setting, so it gets its own lane (S3 client and multipart
     * engine) while both talk to the same server.
     */
    private ChuteConfig config() throws Exception {
        Map<String, String> p = server.chuteProperties(server.endpoint().toString(), tmp.resolve("state"));
        p.put("chute.s3.probe", "false");
        p.put("chute.upload.bandwidth", "4M");
        p.put("chute.upload.parts-in-flight", "4");
        p.put("chute.upload.part-size", "5M");
        p.put("chute.upload.multipart-threshold", "5M");
        for (int i = 0; i < 2; i++) {
            String name = "rule" + i;
            p.put("chute.rules[" + i + "].name", name);
            p.put("chute.rules[" + i + "].path", Files.createDirectories(tmp.resolve(name)).toString());
            p.put("chute.rules[" + i + "].bucket", BUCKET);
            p.put("chute.rules[" + i + "].prefix", name + "/");
        }
        p.put("chute.rules[1].s3.full-object-checksum", "false");
        return TestConfig.of(p);
    }

    /** Bytes S3 acknowledged and when the last of them was. */
    static final class Acknowledged implements TransferListener {
        final AtomicLong bytes = new AtomicLong();
        volatile long lastNanos;

        @Override
        public void bytesSent(Path file, long sent) {
            bytes.addAndGet(sent);
            lastNanos = System.nanoTime();
        }
    }

    /**
     * Uploads every (rule, file) at once, each on its own worker, and returns the measured rate in bytes/s. Each
     * rule's lane first stores one small multipart file unmeasured, so that class loading and connection setup
     * of a cold JVM do not count as time the cap spent.
     */
    private double uploadInParallel(UploadEngine engine, Acknowledged acks, List<StableFile> files) throws Exception {
        for (StableFile file : files) {
            Path warmUp = file.path().resolveSibling("warm-up-" + file.path().getFileName());
            Files2.writeRandom(warmUp, 5 * MIB + 1, 99);
            StableFile stable = new StableFile(file.rule(), warmUp, FileIdentity.of(warmUp), Instant.now());
            assertThat(engine.lane(file.rule()).files().attempt(stable)).isInstanceOf(UploadOutcome.Completed.class);
        }
        acks.bytes.set(0);
        ExecutorService workers = Executors.newFixedThreadPool(files.size());
        try {
            long start = System.nanoTime();
            List<Future<UploadOutcome>> outcomes = new ArrayList<>();
            for (StableFile file : files) {
                outcomes.add(workers.submit(() -> engine.lane(file.rule()).files().attempt(file)));
            }
            for (Future<UploadOutcome> outcome : outcomes) {
                assertThat(outcome.get()).isInstanceOf(UploadOutcome.Completed.class);
            }
            return acks.bytes.get() / ((acks.lastNanos - start) / 1e9);
        } finally {
            workers.shutdownNow();
        }
    }

    private StableFile file(ChuteConfig config, int rule, String name, long size, long seed) throws Exception {
        DropRule drop = DropRule.from(config.rules().get(rule));
        Path path = drop.folder().resolve(name);
        Files2.writeRandom(path, size, seed);
        return new StableFile(drop, path, FileIdentity.of(path), Instant.now());
    }

    private static void assertStored(StableFile file) throws Exception {
        String key = file.rule().prefix() + file.relativePath();
        assertThat(S3Objects.sha256(s3, BUCKET, key)).as(key).isEqualTo(Files2.sha256(Files.newInputStream(file.path())));
    }

    @Test
    void parallelMultipartUploads_togetherSendAtTheCap_withinTenPercent() throws Exception {
        ChuteConfig config = config();
        Acknowledged acks = new Acknowledged();
        try (UploadEngine engine = UploadEngine.forRules(config, acks, Clock.systemUTC(), e -> { })) {
            List<StableFile> files = List.of(file(config, 0, "a.bin", 12 * MIB, 1), file(config, 0, "b.bin", 12 * MIB, 2));

            double rate = uploadInParallel(engine, acks, files);

            assertThat(acks.bytes.get()).isEqualTo(24 * MIB);
            assertThat(rate).as("measured bytes/s against a cap of %d", CAP)
                    .isLessThanOrEqualTo(1.1 * CAP).isGreaterThanOrEqualTo(FLOOR * CAP);
            assertThat(engine.bandwidth().limitBytesPerSecond()).isEqualTo(CAP);
            assertThat(engine.bandwidth().throttledSeconds()).as("the cap held uploads back").isGreaterThan(1.0);
            for (StableFile file : files) {
                assertStored(file);
            }
        }
    }

    @Test
    void twoRulesOnTwoConnections_shareOneCap_ratherThanEachGettingItsOwn() throws Exception {
        ChuteConfig config = config();
        Acknowledged acks = new Acknowledged();
        try (UploadEngine engine = UploadEngine.forRules(config, acks, Clock.systemUTC(), e -> { })) {
            List<StableFile> files = List.of(file(config, 0, "a.bin", 12 * MIB, 3), file(config, 1, "b.bin", 12 * MIB, 4));
            assertThat(engine.lane(files.get(0).rule()).objects())
                    .as("separate multipart engines and clients").isNotSameAs(engine.lane(files.get(1).rule()).objects());

            double rate = uploadInParallel(engine, acks, files);

            assertThat(acks.bytes.get()).isEqualTo(24 * MIB);
            assertThat(rate).as("measured bytes/s of both rules against one cap of %d", CAP)
                    .isLessThanOrEqualTo(1.1 * CAP).isGreaterThanOrEqualTo(FLOOR * CAP);
            assertThat(engine.bandwidth().throttledSeconds()).as("the cap held uploads back").isGreaterThan(1.0);
            for (StableFile file : files) {
                assertStored(file);
            }
        }
    }
}
