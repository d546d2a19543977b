package io.chute.observability;

import io.chute.testing.Files2;
import io.chute.testing.InjectS3Server;
import io.chute.testing.S3Server;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.chute.observability.ManagementProfile.folder;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Health, metrics and the status API over HTTP on the management interface, with the daemon running against
 * S3Mock (see {@link ManagementProfile}). {@code @TestHTTPResource} paths are relative to the management root
 * ({@code /q}) on the port the test run bound.
 */
@QuarkusTest
@TestProfile(ManagementProfile.class)
class ManagementEndpointsTest {

    static final long MIB = 1024 * 1024;

    @InjectS3Server
    S3Server server;

    @TestHTTPResource(value = "/health/live", management = true)
    URL live;
    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;
    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;
    @TestHTTPResource(value = "/status", management = true)
    URL status;

    private JsonPath readiness(int expectedStatus) {
        return given().get(ready).then().statusCode(expectedStatus).extract().jsonPath();
    }

    private JsonPath statusJson() {
        return given().get(status).then().statusCode(200).contentType("application/json").extract().jsonPath();
    }

    /** Sum over every label set of a Prometheus sample, 0 when absent. */
    private double metric(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.eE+-]+)$").matcher(scrape);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    private String scrape() {
        return given().get(metrics).then().statusCode(200).extract().asString();
    }

    /** Writes the file elsewhere and renames it into the folder, as producers that want atomic drops do. */
    private static String drop(String rule, String name, long size, long seed) throws Exception {
        Path staged = folder("staging").resolve(name);
        String sha = Files2.writeRandom(staged, size, seed);
        Files.move(staged, folder(rule).resolve(name), StandardCopyOption.ATOMIC_MOVE);
        return sha;
    }

    @Test
    void liveAndReady_areUp_whileEveryRuleCanUpload() {
        given().get(live).then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonPath health = readiness(200);
            assertThat(health.getString("status")).isEqualTo("UP");
            assertThat(health.getMap("checks[0].data")).containsEntry("main", "ok").containsEntry("slow", "ok")
                    .containsEntry("spare", "ok").containsEntry("orphaned", "ok");
        });
    }

    @Test
    void readiness_isDownNamingTheRule_whoseFolderVanished_andUpWhenItIsBack() throws Exception {
        Files.delete(folder("spare"));
        try {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonPath health = readiness(503);
                assertThat(health.getString("checks[0].data.spare")).contains("folder").contains("spare");
                assertThat(health.getString("checks[0].data.main")).isEqualTo("ok");
            });
        } finally {
            Files.createDirectories(folder("spare"));
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> readiness(200));
    }

    @Test
    void readiness_isDownNamingTheRule_whoseBucketIsMissing_andTheFileWaitsUntilItIsBack() throws Exception {
        try (S3Client s3 = server.newClient()) {
            s3.deleteBucket(b -> b.bucket(ManagementProfile.OTHER_BUCKET));
            try {
                drop("orphaned", "waits-for-bucket.bin", 1000, 3);
                await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                    JsonPath health = readiness(503);
                    assertThat(health.getString("checks[0].data.orphaned")).contains(ManagementProfile.OTHER_BUCKET);
                    assertThat(health.getString("checks[0].data.main")).isEqualTo("ok");
                });
                String path = folder("orphaned").resolve("waits-for-bucket.bin").toString();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    Map<String, Object> waiting = statusJson()
                            .getMap("waiting.find { it.path == '" + path + "' && it.state == 'PAUSED' }");
                    assertThat(waiting).as("waiting for its paused rule").isNotNull();
                    assertThat((String) waiting.get("detail")).contains("rule paused").contains("no_such_bucket")
                            .contains("retry after");
                });
                JsonPath board = statusJson();
                assertThat(board.getString("rules.find { it.name == 'orphaned' }.pausedReason"))
                        .contains(ManagementProfile.OTHER_BUCKET);
                assertThat(board.getBoolean("rules.find { it.name == 'orphaned' }.ready")).isFalse();
            } finally {
                s3.createBucket(b -> b.bucket(ManagementProfile.OTHER_BUCKET));
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> readiness(200));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !Files.exists(folder("orphaned").resolve("waits-for-bucket.bin")));
            assertThat(s3.headObject(b -> b.bucket(ManagementProfile.OTHER_BUCKET)
                    .key("orphaned/waits-for-bucket.bin")).contentLength()).isEqualTo(1000);
            assertThat(ruleSample(scrape(), "chute_files_discovered_total", "orphaned"))
                    .as("found once, however often it waited for its rule and went back to the gate").isEqualTo(1.0);
        }
    }

    /** One rule's sample of a Prometheus counter, 0 when absent. */
    private double ruleSample(String scrape, String name, String rule) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*rule=\"" + Pattern.quote(rule)
                + "\"[^}]*} ([0-9.eE+-]+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void metrics_carryChuteNames_andMoveWithAnUpload() throws Exception {
        String before = scrape();
        for (String name : List.of("chute_files_discovered_total", "chute_files_uploaded_total",
                "chute_files_quarantined_total", "chute_uploaded_bytes_total", "chute_resent_bytes_total",
                "chute_resumes_total", "chute_uploads_in_progress", "chute_queue_depth",
                "chute_oldest_pending_age_seconds", "chute_files_stabilizing", "chute_files_waiting_retry", "chute_part_duration_seconds_count",
                "chute_watch_overflows_total", "chute_rescans_total", "chute_orphan_uploads_aborted_total",
                "chute_files_not_stabilizing_total",
                "chute_credential_refresh_failures_total", "chute_parts_in_flight_limit",
                "chute_files_in_flight_limit", "chute_throttle_responses_total",
                "chute_bandwidth_limit_bytes_per_second", "chute_throttled_seconds_total")) {
            assertThat(before).as("scrape has " + name).containsPattern("(?m)^" + Pattern.quote(name) + "[{ ]");
        }
        assertThat(before).doesNotContain(folder("main").toString());
        long size = 12 * MIB + 5;
        drop("main", "metered.bin", size, 11);
        await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(folder("main").resolve("metered.bin")));
        String after = scrape();
        assertThat(metric(after, "chute_files_uploaded_total") - metric(before, "chute_files_uploaded_total"))
                .isGreaterThanOrEqualTo(1);
        assertThat(metric(after, "chute_files_discovered_total") - metric(before, "chute_files_discovered_total"))
                .isGreaterThanOrEqualTo(1);
        assertThat(metric(after, "chute_uploaded_bytes_total") - metric(before, "chute_uploaded_bytes_total"))
                .isGreaterThanOrEqualTo(size);
        String parts = "chute_part_duration_seconds_count";
        assertThat(metric(after, parts) - metric(before, parts))
                .as("three 5 MiB parts").isGreaterThanOrEqualTo(3);
        assertThat(metric(after, "chute_upload_duration_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(after).contains("chute_files_uploaded_total{rule=\"main\"}");
        assertThat(after).doesNotContain("metered.bin");
    }

    @Test
    void status_showsAnInFlightMultipartUploadsProgress_thenItsCompletion() throws Exception {
        long size = 100 * MIB; // 20 parts of 5 MiB: seconds on loopback, long enough to be seen in flight at 50 ms
        drop("main", "big.bin", size, 21);
        String path = folder("main").resolve("big.bin").toString();
        AtomicReference<Map<String, Object>> seen = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            Map<String, Object> upload = statusJson().getMap("inFlight.find { it.path == '" + path + "' }");
            assertThat(upload).as("in flight").isNotNull();
            assertThat(((Number) upload.get("bytesDone")).longValue()).isPositive().isLessThan(size);
            seen.set(upload);
        });
        Map<String, Object> upload = seen.get();
        assertThat(upload).containsEntry("rule", "main").containsEntry("bucket", ManagementProfile.BUCKET)
                .containsEntry("key", "main/big.bin").containsEntry("partsTotal", 20);
        assertThat(((Number) upload.get("bytesTotal")).longValue()).isEqualTo(size);
        assertThat((Integer) upload.get("partsDone")).isPositive().isLessThan(20);
        assertThat(((Number) upload.get("bytesPerSecond")).doubleValue()).isPositive();
        assertThat(upload.get("etaSeconds")).isNotNull();
        assertThat(upload.get("startedAt")).isNotNull();

        await().atMost(Duration.ofSeconds(180)).untilAsserted(() -> {
            JsonPath board = statusJson();
            assertThat(board.getList("inFlight.path")).doesNotContain(path);
            Map<String, Object> done = board.getMap("recent.find { it.path == '" + path + "' }");
            assertThat(done).containsEntry("outcome", "UPLOADED").containsEntry("key", "main/big.bin")
                    .as("a multipart object is always read back").containsEntry("verifiedBy", "crc32c");
            assertThat(((Number) done.get("bytes")).longValue()).isEqualTo(size);
        });
        JsonPath board = statusJson();
        assertThat(board.getLong("rules.find { it.name == 'main' }.bytesUploaded")).isGreaterThanOrEqualTo(size);
        assertThat(board.getString("startedAt")).isNotBlank();
    }

    @Test
    void status_smallFileOnAProbedStore_isProvenByItsPutResponse_andCountsAreGiven() throws Exception {
        Path small = folder("main").resolve("small-proof.csv");
        Files.writeString(small, "a,b\n1,2\n");
        String path = small.toString();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, Object> done = statusJson().getMap("recent.find { it.path == '" + path + "' }");
            assertThat(done).as("recent entry").isNotNull().containsEntry("outcome", "UPLOADED")
                    .containsEntry("verifiedBy", "put-response-crc32c");
        });
        assertThat(statusJson().getMap("waitingCounts")).containsKeys("STABILIZING", "QUEUED", "RETRYING", "PAUSED",
                "QUARANTINED");
    }

    @Test
    void status_saysAFileBeingAppendedToIsStabilizing() throws Exception {
        Path growing = folder("slow").resolve("growing.log");
        String path = growing.toString();
        for (int i = 0; i < 3; i++) {
            Files.writeString(growing, "line " + i + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Thread.sleep(300);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, Object> waiting = statusJson().getMap("waiting.find { it.path == '" + path + "' }");
            assertThat(waiting).as("waiting").isNotNull().containsEntry("rule", "slow")
                    .containsEntry("state", "STABILIZING");
            assertThat((String) waiting.get("detail")).contains("stabilizing").contains("3600s");
            assertThat(waiting.get("since")).isNotNull();
        });
        assertThat(statusJson().getList("inFlight.path")).doesNotContain(path);
    }
}
