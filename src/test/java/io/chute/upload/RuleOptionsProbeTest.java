package io.chute.upload;

import io.chute.checkpoint.InstallationKey;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.completion.Completion;
import io.chute.completion.ReceiptStore;
import io.chute.config.DropRule;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.TransferListener;
import io.chute.stability.FileIdentity;
import io.chute.stability.StableFile;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3Server.Store;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Tag;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A rule's own object options checked against the store: at start a probe write with them (Ceph RGW's default
 * placement offers no STANDARD_IA: that rule is not ready, with the reason, while another rule uploads), and
 * tags on multipart objects present after Complete even where the store drops those given on
 * CreateMultipartUpload (RGW): set again with PutObjectTagging.
 */
class RuleOptionsProbeTest {

    static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;
    ExecutorService parts;

    @AfterEach
    void stop() {
        if (parts != null) {
            parts.shutdownNow();
        }
    }

    private ObjectUploader objects(S3Client s3) {
        parts = Executors.newFixedThreadPool(2);
        return new ObjectUploader(s3, parts, 5 * MIB, 5 * MIB, 10_000, true, new TransferListener() {
        });
    }

    private FileUploader files(S3Server server, ObjectUploader objects) throws Exception {
        Path state = tmp.resolve("state");
        Clock clock = Clock.systemUTC();
        SidecarStore sidecars = new SidecarStore(InstallationKey.loadOrCreate(state), clock);
        return new FileUploader(objects, sidecars, new UploadLedger(state, clock),
                new Completion(new ReceiptStore(state), sidecars, state, clock), server.endpoint().toString(), clock);
    }

    private DropRule rule(String name, String bucket, Map<String, String> options) throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("chute.rules[0].name", name);
        p.put("chute.rules[0].path", Files.createDirectories(tmp.resolve(name)).toString());
        p.put("chute.rules[0].bucket", bucket);
        p.put("chute.rules[0].key", name + "/{name}");
        options.forEach((k, v) -> p.put("chute.rules[0]." + k, v));
        return DropRule.from(TestConfig.of(p).rules().get(0));
    }

    @Test
    void onRgw_aStandardIaRule_isNotReadyWithItsReason_whileAnotherRuleUploads() throws Exception {
        S3Server server = SharedS3Servers.get(Store.CEPH_RGW);
        String bucket = SharedS3Servers.freshBucket(server, "options");
        try (S3Client s3 = server.newClient()) {
            ObjectUploader objects = objects(s3);
            RuleHealth health = new RuleHealth(Clock.systemUTC());
            DropRule ia = rule("ia", bucket, Map.of("storage-class", "standard-ia"));
            DropRule other = rule("other", bucket, Map.of("storage-class", "standard", "tags.team", "ingest"));

            assertThat(RuleProbe.atStart(objects, ia, health).notReady()).hasValueSatisfying(reason -> assertThat(reason)
                    .startsWith("storage class STANDARD_IA not offered by this store").contains("400 InvalidArgument"));
            assertThat(RuleProbe.atStart(objects, other, health).notReady()).isEmpty();
            assertThat(health.failing("ia")).hasValueSatisfying(f -> {
                assertThat(f.reason()).isEqualTo("store_unsupported");
                assertThat(f.detail()).startsWith("storage class STANDARD_IA not offered by this store");
            });
            assertThat(health.failing("other")).isEmpty();

            Path file = Files.writeString(tmp.resolve("other").resolve("a.txt"), "uploads while ia waits");
            assertThat(files(server, objects).attempt(new StableFile(other, file, FileIdentity.of(file), Instant.now())))
                    .isInstanceOf(UploadOutcome.Completed.class);
            assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents())
                    .as("the probe objects are deleted; only the file is stored")
                    .extracting(o -> o.key()).containsExactly("other/a.txt");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Store.class, names = {"S3MOCK", "CEPH_RGW"}) // stock S3Proxy refuses tags (501)
    void tagsOfAMultipartObject_arePresentAfterComplete(Store store) throws Exception {
        S3Server server = SharedS3Servers.get(store);
        String bucket = SharedS3Servers.freshBucket(server, "tags");
        try (S3Client s3 = server.newClient()) {
            DropRule tagged = rule("tagged", bucket, Map.of("tags.team", "ingest", "tags.tier", "raw"));
            Path file = tmp.resolve("tagged").resolve("big.bin");
            Files.createDirectories(file.getParent());
            Files2.writeRandom(file, 6 * MIB, 9);
            UploadOutcome outcome = files(server, objects(s3))
                    .attempt(new StableFile(tagged, file, FileIdentity.of(file), Instant.now()));
            assertThat(outcome).isInstanceOf(UploadOutcome.Completed.class);
            assertThat(s3.headObject(b -> b.bucket(bucket).key("tagged/big.bin")).eTag()).endsWith("-2\"");
            assertThat(s3.getObjectTagging(b -> b.bucket(bucket).key("tagged/big.bin")).tagSet())
                    .extracting(Tag::key, Tag::value).containsExactlyInAnyOrder(tuple("team", "ingest"), tuple("tier", "raw"));
        }
    }
}
