package io.chute.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chute.testing.DaemonProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.S3ServerProcess.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged daemon's own output, captured whole: with every debug logger on (Chute, the AWS SDK, the
 * Apache client's headers and wire) no secret may appear; with JSON logging switched on every line is JSON.
 */
class LogSafetyIT {

    static final long MIB = 1024 * 1024;
    static final String BUCKET = "chute-logs";
    /** A session token the daemon gets from its environment; S3Proxy ignores it, the client signs it. */
    static final String SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKENthatMustNeverBeLogged0123456789";

    @TempDir
    Path tmp;

    private Path config(S3Server s3) throws IOException {
        Files.createDirectories(tmp.resolve("inbox"));
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  upload:
                    multipart-threshold: 5M
                    part-size: 5M
                  watch:
                    stability-tick: 100ms
                  s3:
                    endpoint: %s
                    region: us-east-1
                    path-style: true
                  rules:
                    - name: inbox
                      path: %s
                      bucket: %s
                      prefix: in/
                      quiet-period: 1s
                      after-upload: delete
                """.formatted(tmp.resolve("state"), s3.endpoint(), tmp.resolve("inbox"), BUCKET));
        return config;
    }

    private static Map<String, String> environmentCredentials(S3Server s3) {
        return Map.of("AWS_ACCESS_KEY_ID", s3.accessKey(), "AWS_SECRET_ACCESS_KEY", s3.secretKey(),
                "AWS_SESSION_TOKEN", SESSION_TOKEN);
    }

    /** Drops a two-part multipart file and a PutObject file and waits until both are uploaded and deleted. */
    private void uploadBoth(DaemonProcess daemon) throws Exception {
        daemon.awaitLog("Chute started", Duration.ofSeconds(60));
        Files2.writeRandom(tmp.resolve("inbox/multipart.bin"), 6 * MIB, 1);
        Files2.writeRandom(tmp.resolve("inbox/small.bin"), 1000, 2);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() ->
                !Files.exists(tmp.resolve("inbox/multipart.bin")) && !Files.exists(tmp.resolve("inbox/small.bin")));
        daemon.awaitLog("path=\\S*multipart.bin bucket=" + BUCKET + " key=in/multipart.bin uploaded and verified",
                Duration.ofSeconds(10));
    }

    @Test
    void debugLogsOfAFullUpload_neverContainTheSecretKey_theSessionToken_orASignature() throws Exception {
        String log;
        String secret;
        // The shared stock S3Mock: it accepts the x-amz-security-token header of session credentials, which stock
        // S3Proxy answers with 501 NotImplemented (StoreCompatibilityTest). What is checked here is the client's log.
        try (S3Server s3 = SharedS3Servers.get(Kind.S3MOCK)) {
            SharedS3Servers.emptyBucket(s3, BUCKET);
            secret = s3.secretKey();
            try (DaemonProcess daemon = DaemonProcess.start(config(s3), tmp.resolve("debug.log"),
                    environmentCredentials(s3), "-Dquarkus.log.level=DEBUG",
                    "-Dquarkus.log.category.\"software.amazon.awssdk\".level=DEBUG",
                    "-Dquarkus.log.category.\"software.amazon.awssdk.request\".level=DEBUG",
                    "-Dquarkus.log.category.\"org.apache.http\".level=DEBUG",
                    "-Dquarkus.log.category.\"org.apache.http.wire\".level=DEBUG",
                    "-Dquarkus.log.category.\"org.apache.http.headers\".level=DEBUG")) {
                uploadBoth(daemon);
                log = daemon.logText();
            }
        }
        assertThat(log).as("the loggers that see credentials were on")
                .contains("[s.a.a.request]").contains("[o.a.h.headers]").contains("[o.a.h.wire]")
                .contains("DefaultV4RequestSigner] ").contains("uploadId=");
        assertThat(log).as("credential values were there to redact")
                .contains("Authorization: " + SecretRedactingFilter.REDACTED)
                .contains("x-amz-security-token:" + SecretRedactingFilter.REDACTED);
        assertThat(log).as("the secret key").doesNotContain(secret);
        assertThat(log).as("the session token").doesNotContain(SESSION_TOKEN);
        assertThat(log).as("a SigV4 signature").doesNotContainPattern("Signature=[0-9a-f]{16}");
        for (String header : List.of("Authorization", "X-Amz-Security-Token")) {
            Matcher value = Pattern.compile("(?i)" + header + "\\s*[:=]\\s*\"?([^\\s\",\\[\\]]+)").matcher(log);
            while (value.find()) {
                assertThat(value.group(1)).as(header + " value in: " + value.group())
                        .isEqualTo(SecretRedactingFilter.REDACTED);
            }
        }
    }

    @Test
    void jsonLoggingSwitch_turnsEveryLineIntoJson_withTheUploadContextAsFields() throws Exception {
        String log;
        try (S3Server s3 = SharedS3Servers.get(Kind.S3MOCK)) {
            SharedS3Servers.emptyBucket(s3, BUCKET);
            try (DaemonProcess daemon = DaemonProcess.start(config(s3), tmp.resolve("json.log"),
                    environmentCredentials(s3), "-Dquarkus.log.console.json.enabled=true")) {
                uploadBoth(daemon);
                log = daemon.logText();
            }
        }
        ObjectMapper json = new ObjectMapper();
        List<String> lines = log.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).hasSizeGreaterThan(3);
        boolean sawUploadWithContext = false;
        for (String line : lines) {
            JsonNode node = json.readTree(line);
            assertThat(node.has("message") && node.has("level") && node.has("timestamp")).as(line).isTrue();
            JsonNode mdc = node.path("mdc");
            if (node.get("message").asText().contains("uploaded and verified")
                    && mdc.path("rule").asText().equals("inbox") && mdc.path("path").asText().endsWith(".bin")) {
                sawUploadWithContext = true;
            }
        }
        assertThat(sawUploadWithContext).as("an upload line with rule and path as MDC fields").isTrue();
    }
}
