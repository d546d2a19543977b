package io.chute.upload;

import io.chute.config.DropRule;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.TransferListener;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the start probe finds each test server keeps of a rule's options, and what Chute makes of it (the lines
 * are what /q/status lists for the rule). Measured: S3Proxy 4.1.0 keeps STANDARD_IA on PutObject but stores
 * multipart objects as STANDARD; S3Mock 5.2.0 keeps the storage class, metadata and tags on both, SSE-S3 only on
 * PutObject, and grants nothing for public-read; Ceph RGW 16.2 drops tags given on CreateMultipartUpload and keeps
 * public-read. The probe objects are gone afterwards.
 */
class RuleOptionsKeptTest {

    @TempDir
    Path tmp;
    private ExecutorService parts;
    private S3Client s3;

    @AfterEach
    void stop() {
        if (parts != null) {
            parts.shutdownNow();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    /** The rule probed at start on {@code store}, in a fresh bucket; afterwards no probe object or upload is left. */
    private RuleOptionsCheck probe(Store store, Map<String, String> options, RuleHealth health) throws Exception {
        S3Server server = SharedS3Servers.get(store);
        String bucket = SharedS3Servers.freshBucket(server, "kept");
        Map<String, String> p = new HashMap<>();
        p.put("chute.rules[0].name", "r");
        p.put("chute.rules[0].path", Files.createDirectories(tmp.resolve("r")).toString());
        p.put("chute.rules[0].bucket", bucket);
        options.forEach((k, v) -> p.put("chute.rules[0]." + k, v));
        DropRule rule = DropRule.from(TestConfig.of(p).rules().get(0));
        s3 = server.newClient();
        parts = Executors.newFixedThreadPool(1);
        ObjectUploader objects = new ObjectUploader(s3, parts, 5L << 20, 5L << 20, 10_000, true, new TransferListener() {
        });

        RuleOptionsCheck check = RuleProbe.atStart(objects, rule, health);

        assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).as("probe objects deleted").isEmpty();
        assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).as("no probe upload left").isEmpty();
        return check;
    }

    private RuleOptionsCheck probe(Store store, Map<String, String> options) throws Exception {
        RuleHealth health = new RuleHealth(Clock.systemUTC());
        RuleOptionsCheck check = probe(store, options, health);
        assertThat(health.failing("r")).as("the rule is ready").isEmpty();
        assertThat(check.notReady()).isEmpty();
        assertThat(check.notChecked()).isEmpty();
        return check;
    }

    private static void assertNothingToAnnounce(RuleOptionsCheck check) {
        assertThat(check.fallbacks()).isEmpty();
        assertThat(check.limitations()).isEmpty();
    }

    @Test
    void aStandardIaRule_startsReady_andNamesTheClassNotKeptOnMultipart_onS3Proxy() throws Exception {
        RuleOptionsCheck check = probe(Store.S3PROXY, Map.of("storage-class", "standard-ia"));
        assertThat(check.limitations()).containsExactly(
                "storage class STANDARD_IA not kept on multipart objects (stored as STANDARD)");
        assertThat(check.fallbacks()).isEmpty();
    }

    @Test
    void aStandardIaRule_startsReady_withNothingToAnnounce_onS3Mock_whichKeepsItOnBoth() throws Exception {
        assertNothingToAnnounce(probe(Store.S3MOCK, Map.of("storage-class", "standard-ia")));
    }

    @Test
    void aTaggedRule_announcesThePutObjectTaggingFallback_onRgw_whichDropsMultipartTags() throws Exception {
        RuleOptionsCheck check = probe(Store.CEPH_RGW, Map.of("tags.team", "ingest"));
        assertThat(check.fallbacks()).containsExactly(RuleOptionsCheck.TAGS_FALLBACK);
        assertThat(check.limitations()).as("PutObject keeps them").isEmpty();
    }

    @Test
    void aTaggedRule_announcesNoFallback_onS3Mock_whichKeepsMultipartTags() throws Exception {
        assertNothingToAnnounce(probe(Store.S3MOCK, Map.of("tags.team", "ingest")));
    }

    @Test
    void anSseRule_isNotReadyUntilRestart_onS3Mock_whichStoresMultipartObjectsWithoutSse() throws Exception {
        RuleHealth health = new RuleHealth(Clock.systemUTC());
        RuleOptionsCheck check = probe(Store.S3MOCK, Map.of("sse", "aes256"), health);

        String reason = "SSE AES256 requested but the store stored multipart probe objects without it";
        assertThat(check.notReady()).hasValue(reason);
        assertThat(health.pausedFor("r")).hasValueSatisfying(p -> {
            assertThat(p.failing().reason()).isEqualTo("store_unsupported");
            assertThat(p.failing().detail()).isEqualTo(reason);
        });
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void aMetadataRule_hasNoWarning_whereTheStoreKeepsMetadata(Store store) throws Exception {
        assertNothingToAnnounce(probe(store, Map.of("metadata.origin", "{hostname}:{path}", "metadata.team", "ingest")));
    }

    @Test
    void aPublicReadRule_namesTheAclNotKept_onS3Mock_whichGrantsOnlyTheOwner() throws Exception {
        RuleOptionsCheck check = probe(Store.S3MOCK, Map.of("acl", "public-read"));
        assertThat(check.limitations()).containsExactly(
                "ACL public-read not kept on single-part and multipart objects (no AllUsers:READ grant)");
        assertThat(check.fallbacks()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Store.class, names = {"S3PROXY", "CEPH_RGW"})
    void aPublicReadRule_hasNothingToAnnounce_whereTheStoreGrantsAllUsersRead(Store store) throws Exception {
        assertNothingToAnnounce(probe(store, Map.of("acl", "public-read")));
    }
}
