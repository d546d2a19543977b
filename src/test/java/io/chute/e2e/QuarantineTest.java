package io.chute.e2e;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.chute.observability.ChuteMetrics;
import io.chute.testing.InjectS3Server;
import io.chute.testing.RefusingProxyResource;
import io.chute.testing.S3Server;
import io.chute.testing.S3TestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Files the server always refuses, or whose object can never be verified, end in quarantine with a reason after
 * their attempts; the source is never deleted on the way, and other files keep flowing.
 */
@QuarkusTest
@TestProfile(QuarantineTest.Profile.class)
class QuarantineTest {

    public static class Profile implements QuarkusTestProfile {
        static Path root() {
            return Path.of("target", "e2e-quarantine").toAbsolutePath();
        }

        private boolean created;

        @Override
        public synchronized Map<String, String> getConfigOverrides() {
            if (!created) {
                try {
                    DropFolderProfile.deleteTree(root());
                    Files.createDirectories(root().resolve("drop"));
                    Files.createDirectories(root().resolve("nobucket"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                created = true;
            }
            return Map.ofEntries(Map.entry("chute.daemon", "true"),
                    Map.entry("chute.state-dir", root().resolve("state").toString()),
                    Map.entry("chute.upload.retry-backoff", "200ms"),
                    // the unverifiable file's HeadObject fails: small files must be read back for that to matter
                    Map.entry("chute.upload.verify", "read-back"),
                    Map.entry("chute.watch.stability-tick", "100ms"),
                    Map.entry("chute.rules[0].name", "q"),
                    Map.entry("chute.rules[0].path", root().resolve("drop").toString()),
                    Map.entry("chute.rules[0].bucket", S3TestResource.DEFAULT_BUCKET),
                    Map.entry("chute.rules[0].quiet-period", "500ms"),
                    Map.entry("chute.rules[0].after-upload", "delete"),
                    Map.entry("chute.rules[0].max-attempts", "3"),
                    Map.entry("chute.rules[0].quarantine-dir", root().resolve("quarantine").toString()),
                    Map.entry("chute.rules[1].name", "nobucket"),
                    Map.entry("chute.rules[1].path", root().resolve("nobucket").toString()),
                    Map.entry("chute.rules[1].bucket", "missing-bucket"),
                    Map.entry("chute.rules[1].quiet-period", "200ms"));
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RefusingProxyResource.class));
        }
    }

    @InjectS3Server
    S3Server server;
    @InjectS3Server
    WireMockServer proxy;
    @Inject
    MeterRegistry registry;

    private static Path drop(String name) {
        return Profile.root().resolve("drop").resolve(name);
    }

    private static Path quarantined(String name) {
        return Profile.root().resolve("quarantine").resolve(name);
    }

    @Test
    void fileTheServerAlwaysRefuses_isQuarantinedWithItsReason_whileOthersUpload() throws Exception {
        Files.writeString(drop("refused-1.csv"), "the server will never take this");
        Files.writeString(drop("fine.csv"), "this one is fine");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(quarantined("refused-1.csv.reason")));
        String reason = Files.readString(quarantined("refused-1.csv.reason"));
        assertThat(reason).contains("attempts: 3").contains("InvalidArgument").contains("rule: q");
        assertThat(Files.readString(quarantined("refused-1.csv"))).isEqualTo("the server will never take this");
        assertThat(drop("refused-1.csv")).doesNotExist();
        try (S3Client s3 = server.newClient()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(drop("fine.csv")));
            assertThat(s3.getObjectAsBytes(b -> b.bucket(S3TestResource.DEFAULT_BUCKET).key("fine.csv")).asUtf8String())
                    .isEqualTo("this one is fine");
        }
        assertThat(registry.find(ChuteMetrics.FILES_QUARANTINED).tag("rule", "q").counter().count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void objectThatCannotBeVerified_neverCostsTheSource_itIsQuarantinedInstead() throws Exception {
        Files.writeString(drop("unverifiable.csv"), "stored, but HeadObject always fails");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(quarantined("unverifiable.csv.reason")));
        assertThat(Files.readString(quarantined("unverifiable.csv"))).isEqualTo("stored, but HeadObject always fails");
        assertThat(Files.readString(quarantined("unverifiable.csv.reason"))).contains("attempts: 3");
    }

    @Test
    void pausedRule_doesNotSendARequestPerWaitingFile_andLosesNone() throws Exception {
        for (int i = 0; i < 40; i++) {
            Files.writeString(Profile.root().resolve("nobucket").resolve("waiting-" + i + ".csv"), "row " + i);
        }
        // positive evidence instead of a fixed sleep: all 40 files are past the gate, waiting out the rule's pause
        // on the retry timer, and the rule has failed (and paused) at least three times
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                registry.find(ChuteMetrics.FILES_WAITING_RETRY).gauge().value() >= 39
                        && registry.find(ChuteMetrics.FILES_HELD).tag("state", "stabilizing").gauge().value() == 0
                        && noSuchBucketFailures() >= 3);
        long puts = proxy.findAll(com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/missing-bucket/.*"))).size();
        assertThat(puts).as("PUTs to the missing bucket after %s failures while 40 files wait", noSuchBucketFailures())
                .isPositive().isLessThan(15);
        try (var files = Files.list(Profile.root().resolve("nobucket"))) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("waiting-"))).hasSize(40);
        }
    }

    /** Requests of the paused rule refused for the missing bucket (each one pauses the rule again). */
    private double noSuchBucketFailures() {
        var counter = registry.find(ChuteMetrics.RETRIES).tag("reason", "no_such_bucket").counter();
        return counter == null ? 0 : counter.count();
    }
}
