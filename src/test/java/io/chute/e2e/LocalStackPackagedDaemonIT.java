package io.chute.e2e;

import io.chute.testing.DaemonProcess;
import io.chute.testing.Files2;
import io.chute.testing.LocalStackSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged daemon against LocalStack in a container. Needs a Docker engine: skipped cleanly without one
 * (this project's CI has none; the same scenarios run there against S3Mock and S3Proxy processes).
 */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackPackagedDaemonIT {

    static final long MIB = 1024 * 1024;

    @Container
    static final LocalStackContainer LOCALSTACK = new LocalStackContainer(LocalStackSupport.image()).withServices("s3");

    @TempDir
    Path tmp;

    @Test
    void packagedDaemon_uploadsBoundarySizedFilesToLocalStackByteIdentical() throws Exception {
        S3Client s3 = S3Client.builder().endpointOverride(LOCALSTACK.getEndpoint()).forcePathStyle(true)
                .region(Region.of(LOCALSTACK.getRegion()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey())))
                .build();
        s3.createBucket(b -> b.bucket("chute-ls"));
        Files.createDirectories(tmp.resolve("inbox"));
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  upload: {multipart-threshold: 5M, part-size: 5M}
                  s3: {endpoint: "%s", region: %s, path-style: true, access-key-id: %s, secret-access-key: %s}
                  rules:
                    - {name: inbox, path: "%s", bucket: chute-ls, quiet-period: 1s, after-upload: delete}
                """.formatted(tmp.resolve("state"), LOCALSTACK.getEndpoint(), LOCALSTACK.getRegion(),
                LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey(), tmp.resolve("inbox")));
        Map<String, String> shas = new LinkedHashMap<>();
        try (DaemonProcess daemon = DaemonProcess.start(config, tmp.resolve("daemon.log"))) {
            daemon.awaitLog("Chute started", Duration.ofSeconds(60));
            long[] sizes = {0, 1, 5 * MIB - 1, 5 * MIB, 5 * MIB + 1, 40 * MIB};
            for (int i = 0; i < sizes.length; i++) {
                shas.put("f" + i, Files2.writeRandom(tmp.resolve("inbox/f" + i), sizes[i], i));
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> shas.keySet().stream()
                    .noneMatch(n -> Files.exists(tmp.resolve("inbox").resolve(n))));
        }
        for (var e : shas.entrySet()) {
            try (var in = s3.getObject(b -> b.bucket("chute-ls").key(e.getKey()))) {
                assertThat(Files2.sha256(in)).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
        s3.close();
    }
}
