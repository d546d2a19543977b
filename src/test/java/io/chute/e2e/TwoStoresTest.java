package io.chute.e2e;

import io.chute.observability.ChuteMetrics;
import io.chute.testing.Files2;
import io.chute.testing.InjectS3Server;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;

import static io.chute.e2e.TwoStoresResource.BUCKET;
import static io.chute.e2e.TwoStoresResource.folder;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Per-rule S3 connections end to end, in-process against two S3 server processes (see {@link TwoStoresResource}):
 * each rule's files land on its own store only, a rule whose credentials cannot be resolved moves the
 * {@code provider} credential failure counter, and readiness names the rule whose store went away.
 */
@QuarkusTest
@QuarkusTestResource(value = TwoStoresResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoStoresTest {

    @InjectS3Server
    TwoStoresResource.Stores stores;

    @Inject
    MeterRegistry registry;

    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;

    private static boolean exists(S3Client s3, String key) {
        return io.chute.testing.S3Objects.exists(s3, BUCKET, key);
    }

    private static String sha(S3Client s3, String key) throws IOException {
        return io.chute.testing.S3Objects.sha256(s3, BUCKET, key);
    }

    @Test
    @Order(1)
    void eachRulesFile_landsOnItsOwnStore_andNotOnTheOther() throws Exception {
        String shaA = Files2.writeRandom(folder("a").resolve("for-global.bin"), 100_000, 1);
        String shaB = Files2.writeRandom(folder("b").resolve("for-rule-b.bin"), 100_000, 2);

        try (S3Client global = stores.global().newClient(); S3Client ruleB = stores.ruleB().newClient()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                assertThat(exists(global, "a/for-global.bin")).as("a's file on the global store").isTrue();
                assertThat(exists(ruleB, "b/for-rule-b.bin")).as("b's file on b's store").isTrue();
            });
            assertThat(sha(global, "a/for-global.bin")).isEqualTo(shaA);
            assertThat(sha(ruleB, "b/for-rule-b.bin")).isEqualTo(shaB);
            assertThat(exists(global, "b/for-rule-b.bin")).as("b's file on the global store").isFalse();
            assertThat(exists(ruleB, "a/for-global.bin")).as("a's file on b's store").isFalse();
        }
    }

    @Test
    @Order(2)
    void aRuleWhoseProfileDoesNotExist_countsProviderCredentialFailures() {
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(registry
                .counter(ChuteMetrics.CREDENTIAL_FAILURES, "source", "provider").count()).isGreaterThan(0));
    }

    @Test
    @Order(3)
    void withRuleBsStoreStopped_readinessNamesRuleB_andRuleAStaysOk() {
        stores.ruleB().close();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonPath health = given().get(ready).then().statusCode(503).extract().jsonPath();
            assertThat(health.getString("checks[0].data.b")).contains("bucket " + BUCKET + " failing");
            assertThat(health.getString("checks[0].data.a")).isEqualTo("ok");
        });
    }
}
