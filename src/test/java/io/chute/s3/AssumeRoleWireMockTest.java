package io.chute.s3;

import io.chute.config.S3Connection;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * AssumeRole through {@link S3ClientFactory}: WireMock on 127.0.0.1 plays STS (AssumeRole) and S3 (HeadBucket);
 * the Authorization header of each S3 request tells which access key id signed it.
 */
class AssumeRoleWireMockTest {

    private static final Pattern CREDENTIAL = Pattern.compile("Credential=([A-Z0-9]+)/");
    private static final String ROLE = "arn:aws:iam::123456789012:role/uploader";

    private WireMockServer server;

    @BeforeEach
    void start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        server.stubFor(head(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(200)));
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private S3Client client(Map<String, String> extra) {
        Map<String, String> p = new java.util.HashMap<>(Map.of(
                "chute.s3.endpoint", server.baseUrl(),
                "chute.s3.sts-endpoint", server.baseUrl(),
                "chute.s3.path-style", "true",
                "chute.s3.access-key-id", "AKIABASEKEY",
                "chute.s3.secret-access-key", "base-secret",
                "chute.s3.role-arn", ROLE,
                "chute.daemon", "false"));
        p.putAll(extra);
        return S3ClientFactory.build(S3Connection.of(TestConfig.of(p).s3()));
    }

    private void stubAssumeRole(String state, String nextState, String accessKeyId, Instant expiration) {
        server.stubFor(post(urlPathEqualTo("/")).withRequestBody(containing("Action=AssumeRole"))
                .inScenario("role").whenScenarioStateIs(state).willSetStateTo(nextState)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody("""
                        <AssumeRoleResponse>
                          <AssumeRoleResult>
                            <Credentials>
                              <AccessKeyId>%s</AccessKeyId>
                              <SecretAccessKey>secret-of-%s</SecretAccessKey>
                              <SessionToken>token-of-%s</SessionToken>
                              <Expiration>%s</Expiration>
                            </Credentials>
                            <AssumedRoleUser>
                              <Arn>arn:aws:sts::123456789012:assumed-role/uploader/chute</Arn>
                              <AssumedRoleId>AROAEXAMPLE:chute</AssumedRoleId>
                            </AssumedRoleUser>
                          </AssumeRoleResult>
                          <ResponseMetadata><RequestId>req-%s</RequestId></ResponseMetadata>
                        </AssumeRoleResponse>
                        """.formatted(accessKeyId, accessKeyId, accessKeyId, expiration, accessKeyId))));
    }

    private List<String> s3Signers() {
        return server.findAll(headRequestedFor(urlPathEqualTo("/bucket"))).stream().map(AssumeRoleWireMockTest::signer)
                .toList();
    }

    private static String signer(LoggedRequest request) {
        Matcher m = CREDENTIAL.matcher(request.getHeader("Authorization"));
        return m.find() ? m.group(1) : "unsigned";
    }

    @Test
    void s3Requests_areSignedWithTheAssumedRolesCredentials_requestedWithTheConfiguredOptions() {
        stubAssumeRole(Scenario.STARTED, "issued", "ASIAROLEKEY", Instant.now().plus(Duration.ofHours(1)));
        try (S3Client s3 = client(Map.of("chute.s3.external-id", "ext-42", "chute.s3.role-session-name", "drop-pc",
                "chute.s3.role-session-duration", "15m"))) {
            s3.headBucket(b -> b.bucket("bucket"));
        }
        assertThat(s3Signers()).containsExactly("ASIAROLEKEY");
        assertThat(server.findAll(headRequestedFor(urlPathEqualTo("/bucket"))).get(0).getHeader("X-Amz-Security-Token"))
                .isEqualTo("token-of-ASIAROLEKEY");
        LoggedRequest assume = server.findAll(postRequestedFor(urlPathEqualTo("/"))).get(0);
        assertThat(signer(assume)).isEqualTo("AKIABASEKEY");
        assertThat(assume.getBodyAsString()).contains("RoleArn=" + ROLE.replace(":", "%3A").replace("/", "%2F"),
                "ExternalId=ext-42", "RoleSessionName=drop-pc", "DurationSeconds=900");
    }

    @Test
    void sourceProfile_fromTheSharedCredentialsFile_signsTheAssumeRoleCall(@TempDir Path tmp) throws Exception {
        Path credentials = Files.writeString(tmp.resolve("credentials"),
                "[base]\naws_access_key_id = AKIAPROFILEKEY\naws_secret_access_key = profile-secret\n");
        stubAssumeRole(Scenario.STARTED, "issued", "ASIAFROMPROFILE", Instant.now().plus(Duration.ofHours(1)));
        String previous = System.getProperty("aws.sharedCredentialsFile");
        System.setProperty("aws.sharedCredentialsFile", credentials.toString());
        try {
            Map<String, String> p = new java.util.HashMap<>(Map.of("chute.daemon", "false",
                    "chute.s3.endpoint", server.baseUrl(), "chute.s3.sts-endpoint", server.baseUrl(),
                    "chute.s3.path-style", "true", "chute.s3.role-arn", ROLE, "chute.s3.source-profile", "base"));
            try (S3Client s3 = S3ClientFactory.build(S3Connection.of(TestConfig.of(p).s3()))) {
                s3.headBucket(b -> b.bucket("bucket"));
            }
        } finally {
            if (previous == null) {
                System.clearProperty("aws.sharedCredentialsFile");
            } else {
                System.setProperty("aws.sharedCredentialsFile", previous);
            }
        }
        assertThat(signer(server.findAll(postRequestedFor(urlPathEqualTo("/"))).get(0))).isEqualTo("AKIAPROFILEKEY");
        assertThat(s3Signers()).containsExactly("ASIAFROMPROFILE");
    }

    @Test
    void roleCredentials_areRefreshedBeforeTheyExpire() throws Exception {
        Instant firstExpiry = Instant.now().plus(Duration.ofSeconds(64)); // stale (1 min before expiry) in ~4 s
        stubAssumeRole(Scenario.STARTED, "first-issued", "ASIAFIRSTKEY", firstExpiry);
        stubAssumeRole("first-issued", "second-issued", "ASIASECONDKEY", Instant.now().plus(Duration.ofHours(1)));
        Instant refreshedAt = null;
        try (S3Client s3 = client(Map.of())) {
            s3.headBucket(b -> b.bucket("bucket"));
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < deadline && refreshedAt == null) {
                Thread.sleep(250);
                s3.headBucket(b -> b.bucket("bucket"));
                if (s3Signers().get(s3Signers().size() - 1).equals("ASIASECONDKEY")) {
                    refreshedAt = Instant.now();
                }
            }
        }
        assertThat(s3Signers().get(0)).isEqualTo("ASIAFIRSTKEY");
        assertThat(refreshedAt).as("an S3 request signed with the refreshed credentials").isNotNull();
        assertThat(refreshedAt).isBefore(firstExpiry);
        assertThat(s3Signers()).containsOnly("ASIAFIRSTKEY", "ASIASECONDKEY");
    }
}
