package io.chute.upload;

import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import java.time.Duration;
import io.chute.observability.RuleChecks;
import io.chute.observability.FatalErrors;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.chute.config.DropRule;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.TransferListener;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rule probes against scripted stores. Rule health follows the failing operation: with PutObject refused (403)
 * while HeadBucket answers 200, a rule paused by a refused write stays DOWN through every bucket probe, and is UP
 * again only once a probe write with the rule's options (under .chute-probe/) is accepted. The start probe of a
 * rule's object options: one that accepts SSE but stores objects
 * without it (the rule uploads nothing until restart, other rules are unaffected), one that drops metadata (a
 * limitation, uploads go on), one that refuses CreateMultipartUpload with the rule's storage class (not ready,
 * naming multipart), one that refuses the read-backs (not checked, never a failure) and one that answers 503
 * (not checked, the rule stays ready).
 */
class RuleProbeWireMockTest {

    private static final String DENIED = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";

    private static final String PROBE_KEYS = "/bucket/\\.chute-probe/rule-.*";

    @TempDir
    Path tmp;
    private WireMockServer server;
    private S3Client s3;
    private ExecutorService parts;
    private ObjectUploader objects;
    private final RuleHealth health = new RuleHealth(Clock.systemUTC());

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

    private DropRule rule(String name, Map<String, String> options) throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("chute.rules[0].name", name);
        p.put("chute.rules[0].path", Files.createDirectories(tmp.resolve(name)).toString());
        p.put("chute.rules[0].bucket", "bucket");
        options.forEach((k, v) -> p.put("chute.rules[0]." + k, v));
        return DropRule.from(TestConfig.of(p).rules().get(0));
    }

    private List<LoggedRequest> probeRequests(String method) {
        return server.findAll(anyRequestedFor(urlPathMatching(PROBE_KEYS))).stream()
                .filter(r -> r.getMethod().getName().equals(method)).toList();
    }

    /** The PutObjects of probe objects (UploadPart is a PUT too, with an uploadId). */
    private List<LoggedRequest> putObjects() {
        return probeRequests("PUT").stream().filter(r -> !r.getUrl().contains("uploadId=")).toList();
    }

    @Test
    void aStoreThatAcceptsSseButStoresWithoutIt_leavesTheSseRuleNotReadyUntilRestart_andAnotherRuleReady()
            throws Exception {
        WireMockS3.acceptWrites(server, "bucket"); // HeadObject: no x-amz-server-side-encryption
        DropRule sse = rule("sse", Map.of("sse", "aes256"));
        DropRule other = rule("other", Map.of("storage-class", "standard"));

        RuleOptionsCheck sseCheck = RuleProbe.atStart(objects, sse, health);
        RuleOptionsCheck otherCheck = RuleProbe.atStart(objects, other, health);

        String reason = "SSE AES256 requested but the store stored single-part and multipart probe objects without it";
        assertThat(sseCheck.notReady()).hasValue(reason);
        assertThat(health.failing("sse")).hasValueSatisfying(f -> {
            assertThat(f.reason()).isEqualTo("store_unsupported");
            assertThat(f.detail()).isEqualTo(reason);
        });
        health.succeeded("sse"); // what an upload that the store accepted would record
        assertThat(health.pausedFor("sse")).as("no successful upload ends it").isPresent();

        assertThat(otherCheck.notReady()).isEmpty();
        assertThat(otherCheck.limitations()).as("HeadObject omits STANDARD: kept").isEmpty();
        assertThat(health.failing("other")).isEmpty();

        // the SSE header went out on PutObject and CreateMultipartUpload; each object was read back, then deleted
        assertThat(putObjects()).extracting(r -> r.getHeader("x-amz-server-side-encryption"))
                .containsExactlyInAnyOrder("AES256", null);
        assertThat(probeRequests("POST")).filteredOn(r -> !r.getUrl().contains("uploadId="))
                .extracting(r -> r.getHeader("x-amz-server-side-encryption")).containsExactlyInAnyOrder("AES256", null);
        assertThat(probeRequests("HEAD")).hasSize(4);
        assertThat(probeRequests("DELETE")).hasSize(2);
    }

    @Test
    void metadataTheStoreDrops_isALimitationShownForTheRule_andTheRuleStaysReady() throws Exception {
        WireMockS3.acceptWrites(server, "bucket", "x-amz-meta-site", "zurich");
        DropRule rule = rule("meta", Map.of("metadata.origin", "{rule}:{name}", "metadata.site", "zurich"));

        RuleOptionsCheck check = RuleProbe.atStart(objects, rule, health);

        assertThat(check.notReady()).isEmpty();
        assertThat(check.limitations()).containsExactly(
                "metadata not kept on single-part and multipart objects (lost: origin)");
        assertThat(health.failing("meta")).isEmpty();
        assertThat(putObjects()).singleElement().satisfies(put -> assertThat(put.getHeader("x-amz-meta-origin"))
                .as("the rule's template expanded for the probe's own file name").isEqualTo("meta:chute-probe.bin"));
    }

    @Test
    void aCreateMultipartUploadRefusedForTheStorageClass_makesTheRuleNotReady_namingMultipart() throws Exception {
        WireMockS3.acceptWrites(server, "bucket", "x-amz-storage-class", "GLACIER_IR");
        server.stubFor(post(urlPathMatching(PROBE_KEYS)).withQueryParam("uploads", matching(".*"))
                .willReturn(WireMockS3.error(400, "InvalidArgument", "")));
        DropRule rule = rule("ir", Map.of("storage-class", "glacier-ir"));

        RuleOptionsCheck check = RuleProbe.atStart(objects, rule, health);

        String reason = "storage class GLACIER_IR not offered by this store for multipart uploads"
                + " (CreateMultipartUpload with the rule's options got 400 InvalidArgument)";
        assertThat(check.notReady()).hasValue(reason);
        assertThat(health.failing("ir")).hasValueSatisfying(f -> {
            assertThat(f.reason()).isEqualTo("store_unsupported");
            assertThat(f.detail()).isEqualTo(reason);
        });
        assertThat(probeRequests("DELETE")).as("the PutObject's probe object is deleted").hasSize(1);
    }

    @Test
    void readBacksTheStoreRefuses_areNotChecked_neitherAnnouncedNorAFailure() throws Exception {
        WireMockS3.acceptWrites(server, "bucket");
        server.stubFor(get(urlPathMatching(PROBE_KEYS)).withQueryParam("tagging", matching(".*"))
                .willReturn(WireMockS3.error(403, "AccessDenied", "Access Denied")));
        server.stubFor(get(urlPathMatching(PROBE_KEYS)).withQueryParam("acl", matching(".*"))
                .willReturn(WireMockS3.error(403, "AccessDenied", "Access Denied")));
        DropRule rule = rule("tagged", Map.of("tags.team", "ingest", "acl", "public-read"));

        RuleOptionsCheck check = RuleProbe.atStart(objects, rule, health);

        assertThat(check.notReady()).isEmpty();
        assertThat(check.fallbacks()).as("tags not seen dropped: no fallback announced").isEmpty();
        assertThat(check.limitations()).isEmpty();
        assertThat(check.notChecked()).containsExactly(
                "GetObjectTagging: 403 AccessDenied (single-part probe object)",
                "GetObjectAcl: 403 AccessDenied (single-part probe object)",
                "GetObjectTagging: 403 AccessDenied (multipart probe object)",
                "GetObjectAcl: 403 AccessDenied (multipart probe object)");
        assertThat(health.failing("tagged")).isEmpty();
    }

    @Test
    void aProbeThatMeetsA503_leavesTheOptionsUnchecked_andTheRuleReady() throws Exception {
        WireMockS3.acceptWrites(server, "bucket");
        server.stubFor(put(urlPathMatching(PROBE_KEYS))
                .willReturn(WireMockS3.error(503, "ServiceUnavailable", "Please reduce your request rate.")));
        DropRule rule = rule("busy", Map.of("storage-class", "standard-ia"));

        RuleOptionsCheck check = RuleProbe.atStart(objects, rule, health);

        assertThat(check.notReady()).isEmpty();
        assertThat(check.notChecked()).singleElement().asString().startsWith("PutObject: 503 ServiceUnavailable");
        assertThat(health.failing("busy")).isEmpty();
    }

    /** What the daemon's periodic probe does for one rule (DaemonSchedules.probeBuckets). */
    private void bucketProbe(DropRule rule, RuleHealth health) {
        s3.headBucket(b -> b.bucket(rule.bucket()));
        health.probeSucceeded(rule.name());
        RuleProbe.checkPaused(objects, rule, health);
    }

    @Test
    void aRuleWhoseWriteWasRefused_staysDownWhileHeadBucketSucceeds_untilAProbeWriteIsAccepted() throws Exception {
        DropRule rule = rule("writes", Map.of("storage-class", "standard-ia"));
        RuleHealth pausing = new RuleHealth(Clock.systemUTC(), new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)));
        RuleChecks readiness = new RuleChecks(pausing, new FatalErrors(), Duration.ofSeconds(2));
        server.stubFor(head(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(200)));
        StubMapping refused = server.stubFor(put(urlPathMatching("/bucket/.*"))
                .willReturn(aResponse().withStatus(403).withBody(DENIED)));
        server.stubFor(delete(urlPathMatching("/bucket/.*")).willReturn(aResponse().withStatus(204)));

        // an upload's PutObject was refused: the pool records it so
        pausing.failed(rule.name(), FailureReason.ACCESS_DENIED, "403 AccessDenied: PutObject");
        for (int probe = 0; probe < 3; probe++) {
            Thread.sleep(5); // past the 1 ms pause, so the probe write is due
            bucketProbe(rule, pausing);
            assertThat(readiness.problem(rule)).as("probe %d while PutObject is refused", probe)
                    .hasValueSatisfying(p -> assertThat(p).contains("access_denied"));
        }
        assertThat(server.findAll(putRequestedFor(urlPathMatching("/bucket/\\.chute-probe/rule-.*"))))
                .hasSize(3).allSatisfy(r -> assertThat(r.getHeader("x-amz-storage-class")).isEqualTo("STANDARD_IA"));

        server.removeStub(refused);
        server.stubFor(put(urlPathMatching("/bucket/.*")).willReturn(aResponse().withStatus(200)
                .withHeader("ETag", "\"e\"")));
        Thread.sleep(5);
        bucketProbe(rule, pausing);
        assertThat(readiness.problem(rule)).isEmpty();
        assertThat(pausing.failing(rule.name())).isEmpty();
    }
}
