package io.chute.upload;

import io.chute.checkpoint.InstallationKey;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.completion.Completion;
import io.chute.completion.ReceiptStore;
import io.chute.config.DropRule;
import io.chute.multipart.MetadataValues;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rule with {@code metadata.file: "{name}"} uploads files named in several scripts to every test server as it
 * ships (S3Mock, stock S3Proxy with SigV4, Ceph RGW where installed), single-part and multipart: the values go out
 * as RFC 2047 encoded words, so no store refuses the signature, and the value read back by a plain client decodes
 * to the file's name.
 */
class NonAsciiMetadataAcrossStoresTest {

    static final long MIB = 1024 * 1024;
    static final List<String> NAMES = List.of("日本.txt", "café.txt", "Ελληνικά.txt", "📦 parcel 🚚.bin",
            "plain-ascii.txt");

    @TempDir
    Path tmp;
    ExecutorService parts;

    @AfterEach
    void stop() {
        if (parts != null) {
            parts.shutdownNow();
        }
    }

    private FileUploader uploader(S3Server server, S3Client s3) throws Exception {
        Path state = tmp.resolve("state");
        Clock clock = Clock.systemUTC();
        SidecarStore sidecars = new SidecarStore(InstallationKey.loadOrCreate(state), clock);
        parts = Executors.newFixedThreadPool(2);
        ObjectUploader engine = new ObjectUploader(s3, parts, 5 * MIB, 5 * MIB, 10_000, true, new TransferListener() {
        });
        return new FileUploader(engine, sidecars, new UploadLedger(state, clock),
                new Completion(new ReceiptStore(state), sidecars, state, clock), server.endpoint().toString(), clock);
    }

    private static DropRule rule(Path inbox, String bucket) {
        Map<String, String> p = new HashMap<>();
        p.put("chute.rules[0].name", "names");
        p.put("chute.rules[0].path", inbox.toString());
        p.put("chute.rules[0].bucket", bucket);
        p.put("chute.rules[0].key", "{path}");
        p.put("chute.rules[0].metadata.file", "{name}");
        p.put("chute.rules[0].metadata.origin", "chute");
        return DropRule.from(TestConfig.of(p).rules().get(0));
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void nameMetadata_inSeveralScripts_uploadsAndReadsBackAsTheName(Store store) throws Exception {
        S3Server server = SharedS3Servers.get(store);
        String bucket = SharedS3Servers.freshBucket(server, "names");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        try (S3Client s3 = server.newClient()) {
            FileUploader uploader = uploader(server, s3);
            DropRule rule = rule(inbox, bucket);
            for (String name : NAMES) {
                Path small = Files.writeString(inbox.resolve(name), "bytes of " + name);
                Path big = Files.createDirectories(inbox.resolve("big")).resolve(name);
                Files2.writeRandom(big, 6 * MIB, name.hashCode());
                for (Path file : List.of(small, big)) {
                    UploadOutcome outcome = uploader.attempt(new StableFile(rule, file, FileIdentity.of(file),
                            java.time.Instant.now()));
                    assertThat(outcome).as("%s on %s", inbox.relativize(file), store)
                            .isInstanceOf(UploadOutcome.Completed.class);
                    String key = ((UploadOutcome.Completed) outcome).proof().key();
                    Map<String, String> stored = s3.headObject(b -> b.bucket(bucket).key(key)).metadata();
                    assertThat(MetadataValues.decode(stored.get("file"))).as("%s on %s", key, store).isEqualTo(name);
                    assertThat(stored.get("origin")).isEqualTo("chute");
                }
            }
        }
    }

    @Test
    void aNameWithAControlCharacter_isRefusedForThatFileOnly_beforeAnyRequest() throws Exception {
        S3Server server = SharedS3Servers.get(Store.S3MOCK);
        String bucket = SharedS3Servers.freshBucket(server, "names");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        try (S3Client s3 = server.newClient()) {
            FileUploader uploader = uploader(server, s3);
            Map<String, String> p = new HashMap<>();
            p.put("chute.rules[0].name", "names");
            p.put("chute.rules[0].path", inbox.toString());
            p.put("chute.rules[0].bucket", bucket);
            p.put("chute.rules[0].key", "fixed/{yyyy}/one");
            p.put("chute.rules[0].metadata.file", "{name}");
            DropRule rule = DropRule.from(TestConfig.of(p).rules().get(0));
            Path bad = Files.writeString(inbox.resolve("tab\there.txt"), "x");
            assertThat(uploader.attempt(new StableFile(rule, bad, FileIdentity.of(bad), java.time.Instant.now())))
                    .isInstanceOfSatisfying(UploadOutcome.Rejected.class, r -> {
                        assertThat(r.reason()).isEqualTo(FailureReason.INVALID_KEY);
                        assertThat(r.detail()).contains("metadata 'file'", "U+0009");
                    });
            assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
        }
    }
}
