package io.chute.s3;

import io.chute.config.S3Connection;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/** The startup probe against real S3 server processes: what it reports, and that it leaves nothing behind. */
class EndpointProbeTest {

    @ParameterizedTest
    @EnumSource(S3ServerProcess.Kind.class)
    void probe_reportsEnforcedConditionalWrites_andLeavesNoObjectBehind(S3ServerProcess.Kind kind) {
        try (S3Server server = SharedS3Servers.get(kind); S3Client s3 = server.newClient()) {
            SharedS3Servers.emptyBucket(server, "probed");
            s3.putObject(b -> b.bucket("probed").key("user-data.txt"),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("keep me"));

            EndpointProbe.Guarantees g = EndpointProbe.probe(s3, "probed");

            assertThat(g.bucket()).isEqualTo("probed");
            assertThat(g.conditionalWrites()).as(g.detail()).isTrue();
            assertThat(g.crc32cChecksums()).as(g.detail()).isTrue();
            assertThat(g.conditionalComplete()).as(g.detail()).isTrue();
            assertThat(s3.listMultipartUploads(b -> b.bucket("probed")).uploads()).isEmpty();
            assertThat(s3.listObjectsV2(b -> b.bucket("probed")).contents()).extracting(S3Object::key)
                    .containsExactly("user-data.txt");
        }
    }

    @Test
    void probeUploadsOfAProcessKilledMidProbe_areAbortedOnceStale_andNothingOutsideTheProbePrefixIsTouched() {
        try (S3Server server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK); S3Client s3 = server.newClient()) {
            SharedS3Servers.emptyBucket(server, "stale-probe");
            String left = s3.createMultipartUpload(b -> b.bucket("stale-probe").key(EndpointProbe.PREFIX + "killed"))
                    .uploadId();
            String users = s3.createMultipartUpload(b -> b.bucket("stale-probe").key("user/big.bin")).uploadId();
            java.time.Instant now = java.time.Instant.now();

            assertThat(EndpointProbe.abortStaleProbeUploads(s3, "stale-probe", java.time.Duration.ofHours(1), now))
                    .as("a probe upload younger than an hour may belong to a running probe").isZero();
            assertThat(EndpointProbe.abortStaleProbeUploads(s3, "stale-probe", java.time.Duration.ofHours(1),
                    now.plus(java.time.Duration.ofHours(2)))).isEqualTo(1);

            assertThat(s3.listMultipartUploads(b -> b.bucket("stale-probe")).uploads())
                    .extracting(software.amazon.awssdk.services.s3.model.MultipartUpload::uploadId)
                    .containsExactly(users).doesNotContain(left);
        }
    }

    @Test
    void probe_ofAStoreThatIgnoresConditionsAndChecksums_saysSo_andDeletesBothObjects() {
        WireMockServer wire = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        try (S3Client s3 = S3ClientFactory.build(S3Connection.of(TestConfig.of(Map.of("chute.daemon", "false",
                "chute.s3.endpoint", wire.baseUrl(), "chute.s3.path-style", "true",
                "chute.s3.access-key-id", "AKIDUMMY", "chute.s3.secret-access-key", "dummy")).s3()))) {
            wire.stubFor(put(urlPathMatching("/lax/\\.chute-probe/.*")).willReturn(aResponse().withStatus(200)));
            wire.stubFor(head(urlPathMatching("/lax/\\.chute-probe/.*")).willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Length", "20")));
            wire.stubFor(delete(urlPathMatching("/lax/.*")).willReturn(aResponse().withStatus(204)));

            EndpointProbe.Guarantees g = EndpointProbe.probe(s3, "lax");

            assertThat(g.conditionalWrites()).isFalse();
            assertThat(g.crc32cChecksums()).isFalse();
            assertThat(g.detail()).contains("second write with If-None-Match: * was accepted",
                    "object with a wrong CRC32C was accepted");
            assertThat(wire.findAll(deleteRequestedFor(urlPathMatching("/lax/.*")))).hasSize(2);
            assertThat(wire.findAll(anyRequestedFor(urlPathMatching("/lax/.*"))))
                    .allSatisfy(r -> assertThat(r.getUrl()).startsWith("/lax/.chute-probe/"));
        } finally {
            wire.stop();
        }
    }

    @Test
    void probe_ofAMissingBucket_reportsTheFailureInsteadOfThrowing() {
        try (S3Server server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK); S3Client s3 = server.newClient()) {
            EndpointProbe.Guarantees g = EndpointProbe.probe(s3, "absent-bucket");
            assertThat(g.conditionalWrites()).isFalse();
            assertThat(g.crc32cChecksums()).isFalse();
            assertThat(g.detail()).startsWith("probe failed:");
        }
    }

    @Test
    void probe_ofCephRgw_findsThatIfNoneMatchIsIgnoredOnCompleteMultipartUpload() {
        S3Server server = SharedS3Servers.get(io.chute.testing.S3Server.Store.CEPH_RGW);
        try (S3Client s3 = server.newClient()) {
            String bucket = SharedS3Servers.freshBucket(server, "probed");
            EndpointProbe.Guarantees g = EndpointProbe.probe(s3, bucket);
            assertThat(g.conditionalWrites()).as(g.detail()).isTrue();
            assertThat(g.conditionalComplete()).isFalse();
            assertThat(g.crc32cChecksums()).isFalse();
            assertThat(g.detail()).contains("CompleteMultipartUpload with If-None-Match: * over an existing object"
                    + " was accepted");
            assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
            assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
        }
    }
}
