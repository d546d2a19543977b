package io.chute.e2e;

import io.chute.testing.DaemonProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.S3ServerProcess.Kind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Credentials of the packaged daemon against S3Proxy with SigV4 verification on: a named profile from a shared
 * credentials file given by AWS_SHARED_CREDENTIALS_FILE, and wrong keys that turn readiness DOWN for the rule
 * (its file kept) until the file is corrected, after which the same file is uploaded byte-identical.
 * No key appears in the configuration file.
 */
class CredentialsPackagedIT {

    static final String BUCKET = "chute-creds";
    static S3Server s3;
    static S3Client client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() {
        s3 = SharedS3Servers.get(Kind.S3PROXY);
        s3.createBucket(BUCKET);
        client = s3.newClient();
    }

    @AfterAll
    static void stopServer() {
        client.close();
        s3.close();
    }

    private Path config(String profile) throws IOException {
        Files.createDirectories(tmp.resolve("inbox"));
        return Files.writeString(tmp.resolve("chute.yaml"), """
                chute:
                  state-dir: %s
                  watch:
                    stability-tick: 100ms
                  s3:
                    endpoint: %s
                    region: us-east-1
                    path-style: true
                    profile: %s
                  rules:
                    - name: inbox
                      path: %s
                      bucket: %s
                      prefix: in/
                      quiet-period: 1s
                      after-upload: delete
                """.formatted(tmp.resolve("state"), s3.endpoint(), profile, tmp.resolve("inbox"), BUCKET));
    }

    private Path credentialsFile(String profile, String secret) throws IOException {
        Path file = tmp.resolve("aws/credentials");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                .formatted(profile, s3.accessKey(), secret));
        return file;
    }

    /** The daemon sees only the credentials file: no key variables, no ~/.aws of the machine. */
    private Map<String, String> env(Path credentials) {
        return Map.of("AWS_SHARED_CREDENTIALS_FILE", credentials.toString(),
                "AWS_CONFIG_FILE", tmp.resolve("aws/absent-config").toString(),
                "AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "");
    }

    private String objectSha(String key) throws IOException {
        try (var in = client.getObject(b -> b.bucket(BUCKET).key(key))) {
            return Files2.sha256(in);
        }
    }

    @Test
    void namedProfileFromTheSharedCredentialsFile_signsTheUploads() throws Exception {
        Path config = config("uploader");
        Path credentials = credentialsFile("uploader", s3.secretKey());
        assertThat(Files.readString(config)).doesNotContain(s3.secretKey());
        String sha = Files2.writeRandom(tmp.resolve("inbox/profile.bin"), 2000, 11);
        try (DaemonProcess daemon = DaemonProcess.start(config, tmp.resolve("profile.log"), env(credentials))) {
            await().atMost(Duration.ofSeconds(90)).until(() -> !Files.exists(tmp.resolve("inbox/profile.bin")));
            assertThat(daemon.logText()).doesNotContain(s3.secretKey());
        }
        assertThat(objectSha("in/profile.bin")).isEqualTo(sha);
    }

    @Test
    void wrongKeys_turnReadinessDownForTheRule_andTheFileIsUploadedOnceTheCredentialsFileIsCorrected() throws Exception {
        Path config = config("uploader");
        Path credentials = credentialsFile("uploader", "not-the-secret");
        Path file = tmp.resolve("inbox/waiting.bin");
        String sha = Files2.writeRandom(file, 3000, 12);
        try (DaemonProcess daemon = DaemonProcess.start(config, tmp.resolve("wrong.log"), env(credentials))) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                HttpResponse<String> ready = daemon.get("/q/health/ready");
                return ready.statusCode() == 503 && ready.body().contains("\"inbox\"")
                        && ready.body().contains("credentials");
            });
            assertThat(file).exists();
            assertThat(daemon.logText()).contains("rule=inbox").doesNotContain("not-the-secret");

            credentialsFile("uploader", s3.secretKey());
            Files.setLastModifiedTime(credentials, FileTime.from(Instant.now().plusSeconds(2)));

            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() -> !Files.exists(file));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> daemon.get("/q/health/ready").statusCode() == 200);
        }
        assertThat(objectSha("in/waiting.bin")).isEqualTo(sha);
    }
}
