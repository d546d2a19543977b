package io.chute.s3;

import io.chute.config.S3Connection;
import io.chute.testing.RecordingHttpServer;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reaches the wire from a client of {@link S3ClientFactory}, recorded by a raw HTTP server that sends
 * {@code 100 Continue} only when a request asks for it: small bodies go without {@code Expect: 100-continue}
 * (one round trip, not two) over one kept-alive connection; bodies from 8 MiB on keep it, so a store can refuse
 * them before they are sent.
 */
class ExpectContinueBySizeTest {

    private static final int SMALL = 64 * 1024;

    private RecordingHttpServer server;
    private S3Client s3;

    @BeforeEach
    void start() throws Exception {
        server = new RecordingHttpServer();
        s3 = S3ClientFactory.build(S3Connection.of(TestConfig.of(Map.of("chute.daemon", "false",
                "chute.s3.endpoint", server.endpoint(), "chute.s3.path-style", "true",
                "chute.s3.access-key-id", "AKIDUMMY", "chute.s3.secret-access-key", "dummy")).s3()));
    }

    @AfterEach
    void stop() throws Exception {
        s3.close();
        server.close();
    }

    @Test
    void smallPutObjects_carryNoExpectContinue_andShareOneConnection() {
        for (int i = 0; i < 3; i++) {
            String key = "small-" + i;
            s3.putObject(b -> b.bucket("b").key(key), RequestBody.fromBytes(new byte[SMALL]));
        }

        assertThat(server.requests()).hasSize(3).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("PUT");
            assertThat(r.expectsContinue()).as("Expect header of %s", r.target()).isFalse();
            assertThat(r.bodyBytes()).isEqualTo(SMALL);
        });
        assertThat(server.connectionsOpened()).as("the connection is kept alive and reused").isEqualTo(1);
    }

    @Test
    void smallUploadPart_carriesNoExpectContinue() {
        s3.uploadPart(b -> b.bucket("b").key("k").uploadId("u").partNumber(1),
                RequestBody.fromBytes(new byte[SMALL]));

        assertThat(server.requests()).singleElement().satisfies(r -> assertThat(r.expectsContinue()).isFalse());
    }

    @Test
    void bodiesFromEightMebibytes_keepExpectContinue() {
        int large = (int) ExpectContinueBySize.FROM_BYTES;
        s3.putObject(b -> b.bucket("b").key("large"), RequestBody.fromBytes(new byte[large]));

        assertThat(server.requests()).singleElement().satisfies(r -> {
            assertThat(r.expectsContinue()).isTrue();
            assertThat(r.bodyBytes()).isEqualTo(large);
        });
    }
}
