package io.chute.e2e;

import io.chute.testing.SharedS3Servers;
import io.chute.daemon.Pipeline;
import io.chute.observability.ChuteMetrics;
import io.chute.observability.StatusReport;
import io.chute.testing.InjectS3Server;
import io.chute.testing.S3Server;
import io.chute.testing.S3TestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A backlog far larger than Chute's in-memory bounds (gate, queue and retry timer of 5 files each) waits on disk
 * while its rule is paused, costs memory only up to those bounds, is reported as such, and once the bucket
 * exists every file is uploaded exactly once: the drop folder is the queue beyond the bounds, and nothing is lost.
 */
@QuarkusTest
@TestProfile(BacklogTest.Profile.class)
class BacklogTest {

    static final int FILES = 60;
    static final String LATE_BUCKET = SharedS3Servers.jvmScoped("late-bucket");

    public static class Profile implements QuarkusTestProfile {
        static Path root() {
            return Path.of("target", "e2e-backlog").toAbsolutePath();
        }

        private boolean created;

        @Override
        public synchronized Map<String, String> getConfigOverrides() {
            if (!created) {
                try {
                    DropFolderProfile.deleteTree(root());
                    Files.createDirectories(root().resolve("drop"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                created = true;
            }
            Map<String, String> p = new HashMap<>();
            p.put("chute.daemon", "true");
            p.put("chute.state-dir", root().resolve("state").toString());
            p.put("chute.watch.stability-tick", "100ms");
            p.put("chute.watch.max-tracked-files", "5");
            p.put("chute.upload.queue-capacity", "5");
            p.put("chute.upload.workers", "2");
            p.put("chute.rules[0].name", "backlog");
            p.put("chute.rules[0].path", root().resolve("drop").toString());
            p.put("chute.rules[0].bucket", LATE_BUCKET);
            p.put("chute.rules[0].quiet-period", "200ms");
            p.put("chute.rules[0].after-upload", "delete");
            return p;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(S3TestResource.class, Map.of(S3TestResource.ARG_SERVER, "s3mock")));
        }
    }

    @InjectS3Server
    S3Server server;
    @Inject
    MeterRegistry registry;
    @Inject
    Pipeline pipeline;

    private double gauge(String name) {
        return registry.find(name).gauges().stream().mapToDouble(io.micrometer.core.instrument.Gauge::value).sum();
    }

    private double noSuchBucketFailures() {
        var counter = registry.find(ChuteMetrics.RETRIES).tag("reason", "no_such_bucket").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void backlogBeyondTheBounds_waitsOnDisk_thenEveryFileIsUploadedExactlyOnce() throws Exception {
        Path drop = Profile.root().resolve("drop");
        for (int i = 0; i < FILES; i++) {
            Files.writeString(drop.resolve("f-" + i + ".csv"), "row " + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> pipeline.status().orElseThrow().report().rules().get(0)
                .backlogOnDisk());
        // the paused rule's files go round (gate → queue → retry timer, or back to disk): wait until some wait on
        // the retry timer and the rule has failed (and paused) twice, so the samples below see the bounds in use
        await().atMost(Duration.ofSeconds(60)).until(() -> gauge(ChuteMetrics.FILES_WAITING_RETRY) > 0
                && noSuchBucketFailures() >= 2);
        for (int i = 0; i < 10; i++) {
            double held = gauge(ChuteMetrics.QUEUE_DEPTH) + gauge(ChuteMetrics.FILES_STABILIZING)
                    + gauge(ChuteMetrics.FILES_WAITING_RETRY);
            assertThat(held).as("files held in memory").isLessThanOrEqualTo(5 + 5 + 5 + 2);
            Thread.sleep(200);
        }
        StatusReport report = pipeline.status().orElseThrow().report();
        assertThat(report.rules().get(0).backlogOnDisk()).isTrue();
        try (var files = Files.list(drop)) {
            assertThat(files.count()).as("every file still on disk").isEqualTo(FILES);
        }

        try (S3Client s3 = server.newClient()) {
            s3.createBucket(b -> b.bucket(LATE_BUCKET));
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                try (var files = Files.list(drop)) {
                    return files.findAny().isEmpty();
                }
            });
            List<String> keys = s3.listObjectsV2Paginator(b -> b.bucket(LATE_BUCKET)).contents().stream()
                    .map(S3Object::key).toList();
            assertThat(keys).containsExactlyInAnyOrderElementsOf(
                    IntStream.range(0, FILES).mapToObj(i -> "f-" + i + ".csv").toList());
        }
        assertThat(registry.find(ChuteMetrics.FILES_UPLOADED).tag("rule", "backlog").counter().count())
                .as("uploaded exactly once each").isEqualTo(FILES);
        // a rescan that listed a file just before its upload ended clears the flag on the next tick
        await("the rule has no backlog on disk").atMost(Duration.ofSeconds(10))
                .until(() -> !pipeline.status().orElseThrow().report().rules().get(0).backlogOnDisk());
    }
}
