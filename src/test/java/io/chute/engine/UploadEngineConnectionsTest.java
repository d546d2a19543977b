package io.chute.engine;

import io.chute.checkpoint.UploadLedger;
import io.chute.config.ChuteConfig;
import io.chute.config.DropRule;
import io.chute.multipart.TransferListener;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TestConfig;
import io.chute.upload.OrphanJanitor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link UploadEngine#forRules}: one lane (client, engine, uploader, endpoint id) per distinct effective
 * connection, shared by rules with equal settings, and one orphan janitor per lane that aborts only uploads
 * the ledger recorded for its own endpoint. Against a real S3Mock process.
 */
class UploadEngineConnectionsTest {

    static final String BUCKET = SharedS3Servers.uniqueBucketName("lanes"); // on the JVM's shared S3Mock
    /** Nothing listens here: a rule's store that is unreachable. */
    static final String DEAD_STORE = "http://127.0.0.1:9";
    static S3Server server;
    static S3Client s3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() {
        server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK);
        server.createBucket(BUCKET);
        s3 = server.newClient();
    }

    @AfterAll
    static void stopServer() {
        s3.close();
        server.close();
    }

    private ChuteConfig config() {
        Map<String, String> p = server.chuteProperties(server.endpoint().toString(), tmp.resolve("state"));
        String[] names = {"global", "dead1", "dead2"};
        for (int i = 0; i < names.length; i++) {
            p.put("chute.rules[" + i + "].name", names[i]);
            p.put("chute.rules[" + i + "].path", tmp.resolve(names[i]).toString());
            p.put("chute.rules[" + i + "].bucket", BUCKET);
        }
        p.put("chute.rules[1].s3.endpoint", DEAD_STORE);
        p.put("chute.rules[2].s3.endpoint", DEAD_STORE);
        return TestConfig.of(p);
    }

    private String orphan(UploadLedger ledger, String endpointId, String key) throws Exception {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
        Path source = tmp.resolve(key);
        String ref = ledger.intent(endpointId, BUCKET, key, source);
        ledger.created(ref, endpointId, BUCKET, key, uploadId, source);
        return uploadId;
    }

    private static List<String> uploadIdsOnServer() {
        return s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads().stream().map(MultipartUpload::uploadId)
                .toList();
    }

    @Test
    void rulesWithEqualOverrides_shareOneLane_andARuleWithoutOverridesUsesTheGlobalOne() throws Exception {
        ChuteConfig config = config();
        try (UploadEngine engine = UploadEngine.forRules(config, TransferListener.NONE, Clock.systemUTC(), e -> { })) {
            UploadEngine.Lane global = engine.lane(DropRule.from(config.rules().get(0)));
            UploadEngine.Lane dead1 = engine.lane(DropRule.from(config.rules().get(1)));

            assertThat(engine.lanes()).hasSize(2);
            assertThat(engine.lane(DropRule.from(config.rules().get(2)))).isSameAs(dead1);
            assertThat(global.s3()).isSameAs(engine.s3());
            assertThat(global.endpointId()).isEqualTo(server.endpoint().toString());
            assertThat(dead1.endpointId()).isEqualTo(DEAD_STORE);
            assertThat(dead1.s3()).isNotSameAs(global.s3());
        }
    }

    @Test
    void eachJanitor_abortsOnlyTheOrphansRecordedForItsOwnEndpoint() throws Exception {
        ChuteConfig config = config();
        UploadLedger ledger = new UploadLedger(tmp.resolve("state"), Clock.systemUTC());
        try (UploadEngine engine = UploadEngine.forRules(config, TransferListener.NONE, Clock.systemUTC(), e -> { })) {
            String ofGlobal = orphan(ledger, server.endpoint().toString(), "global-orphan.bin");
            // Recorded for the dead store; the upload exists on the live server only so that the test can see
            // whether the global janitor (the only one able to reach it) wrongly aborts it.
            String ofDeadStore = orphan(ledger, DEAD_STORE, "dead-store-orphan.bin");
            List<OrphanJanitor> janitors = engine.janitors(path -> false, Duration.ofHours(24), () -> { });

            for (OrphanJanitor janitor : janitors) {
                janitor.sweep(true);
            }

            assertThat(janitors).hasSize(2);
            assertThat(uploadIdsOnServer()).contains(ofDeadStore).doesNotContain(ofGlobal);
            assertThat(ledger.open()).extracting(UploadLedger.Entry::uploadId).containsExactly(ofDeadStore);
        }
    }
}
