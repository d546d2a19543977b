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
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.Tag;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rule's target options as they arrive on the stored object, through {@link FileUploader} against a real S3
 * server process (S3Mock, which stores storage class, SSE-S3, content type, cache-control, metadata and tags and
 * enforces If-None-Match on PutObject and CompleteMultipartUpload). Rules are mapped from properties the way the
 * daemon maps its configuration.
 */
class ObjectTargetS3MockTest {

    static final long MIB = 1024 * 1024;
    static final String BUCKET = SharedS3Servers.uniqueBucketName("targets"); // on the JVM's shared S3Mock
    static final Instant UPLOAD_START = Instant.parse("2031-05-06T07:08:09Z");
    static S3Server server;
    static S3Client s3;

    @TempDir
    Path tmp;
    Path inbox;
    ExecutorService parts;
    FileUploader uploader;
    final AtomicLong sent = new AtomicLong();

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

    @BeforeEach
    void wire() throws Exception {
        Path state = tmp.resolve("state");
        inbox = Files.createDirectories(tmp.resolve("inbox"));
        Clock clock = Clock.fixed(UPLOAD_START, ZoneOffset.UTC);
        SidecarStore sidecars = new SidecarStore(InstallationKey.loadOrCreate(state), clock);
        parts = Executors.newFixedThreadPool(2);
        ObjectUploader engine = new ObjectUploader(s3, parts, 5 * MIB, 5 * MIB, 10_000, true, new TransferListener() {
            @Override
            public void bytesSent(Path file, long bytes) {
                sent.addAndGet(bytes);
            }
        });
        uploader = new FileUploader(engine, sidecars, new UploadLedger(state, clock),
                new Completion(new ReceiptStore(state), sidecars, state, clock), server.endpoint().toString(), clock);
    }

    @AfterEach
    void stop() {
        parts.shutdownNow();
    }

    private DropRule rule(String name, Map<String, String> options) {
        Map<String, String> p = new HashMap<>();
        p.put("chute.rules[0].name", name);
        p.put("chute.rules[0].path", inbox.toString());
        p.put("chute.rules[0].bucket", BUCKET);
        options.forEach((k, v) -> p.put("chute.rules[0]." + k, v));
        return DropRule.from(TestConfig.of(p).rules().get(0));
    }

    private UploadOutcome upload(DropRule rule, Path file) throws Exception {
        return uploader.attempt(new StableFile(rule, file, FileIdentity.of(file), Instant.now()));
    }

    private static String keyOf(UploadOutcome outcome) {
        assertThat(outcome).isInstanceOf(UploadOutcome.Completed.class);
        return ((UploadOutcome.Completed) outcome).proof().key();
    }

    private static Map<String, String> fullOptions() {
        return Map.of("storage-class", "standard-ia", "sse", "aes256", "tags.team", "imaging",
                "tags.project", "p-7", "metadata.origin", "{hostname}:{path}", "cache-control", "max-age=60",
                "acl", "bucket-owner-full-control", "key", "{rule}/{name}");
    }

    /** S3Mock keeps the SSE header of PutObject only; ObjectOptionsWireMockTest covers the multipart request. */
    private void assertStoredWithFullOptions(String key, String contentType, boolean sseStored) {
        HeadObjectResponse head = s3.headObject(b -> b.bucket(BUCKET).key(key));
        assertThat(head.storageClassAsString()).isEqualTo("STANDARD_IA");
        if (sseStored) {
            assertThat(head.serverSideEncryptionAsString()).isEqualTo("AES256");
        }
        assertThat(head.contentType()).isEqualTo(contentType);
        assertThat(head.cacheControl()).isEqualTo("max-age=60");
        assertThat(head.metadata()).containsEntry("origin", ObjectKeyResolver.localHostname() + ":sub/scan.json");
        assertThat(s3.getObjectTagging(b -> b.bucket(BUCKET).key(key)).tagSet())
                .extracting(Tag::key, Tag::value).containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("team", "imaging"), org.assertj.core.groups.Tuple.tuple("project", "p-7"));
    }

    @Test
    void putObject_storesStorageClassSseContentTypeCacheControlMetadataAndTags() throws Exception {
        Path file = Files.createDirectories(inbox.resolve("sub")).resolve("scan.json");
        Files.writeString(file, "{\"small\":true}");
        String key = keyOf(upload(rule("small", fullOptions()), file));
        assertThat(key).isEqualTo("small/scan.json");
        assertStoredWithFullOptions(key, "application/json", true);
    }

    @Test
    void multipartUpload_storesTheSameOptionsAsPutObject() throws Exception {
        Path file = Files.createDirectories(inbox.resolve("sub")).resolve("scan.json");
        Files2.writeRandom(file, 6 * MIB, 1);
        String key = keyOf(upload(rule("big", fullOptions()), file));
        assertThat(key).isEqualTo("big/scan.json");
        assertStoredWithFullOptions(key, "application/json", false);
    }

    @Test
    void contentType_isDetectedFromTheName_unlessTheRuleSetsOne() throws Exception {
        Path csv = Files.writeString(inbox.resolve("table.csv"), "a,b\n");
        Path odd = Files.writeString(inbox.resolve("blob.weird-ext"), "?");
        Path fixed = Files.writeString(inbox.resolve("notes.csv"), "x");
        DropRule detect = rule("detect", Map.of());
        assertThat(s3.headObject(b -> b.bucket(BUCKET).key(keyOf(uploadQuietly(detect, csv)))).contentType())
                .isEqualTo("text/csv");
        assertThat(s3.headObject(b -> b.bucket(BUCKET).key(keyOf(uploadQuietly(detect, odd)))).contentType())
                .isEqualTo("application/octet-stream");
        DropRule override = rule("override", Map.of("content-type", "application/vnd.chute.scan", "key", "o/{name}"));
        assertThat(s3.headObject(b -> b.bucket(BUCKET).key(keyOf(uploadQuietly(override, fixed)))).contentType())
                .isEqualTo("application/vnd.chute.scan");
    }

    private UploadOutcome uploadQuietly(DropRule rule, Path file) {
        try {
            return upload(rule, file);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void timePlaceholders_useTheFilesMtimeByDefault_andTheUploadStartWithKeyTimeUpload() throws Exception {
        Path file = Files.writeString(inbox.resolve("m.txt"), "mtime");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2020-01-02T03:04:05Z")));
        String template = "{yyyy}/{MM}/{dd}/{HH}/{name}";
        assertThat(keyOf(upload(rule("bymtime", Map.of("key", "mtime/" + template)), file)))
                .isEqualTo("mtime/2020/01/02/03/m.txt");
        assertThat(keyOf(upload(rule("byupload", Map.of("key", "upload/" + template, "key-time", "upload")), file)))
                .isEqualTo("upload/2031/05/06/07/m.txt");
    }

    @Test
    void noOverwrite_sameContentTwice_succeedsWithoutASecondWrite() throws Exception {
        DropRule rule = rule("same", Map.of("overwrite", "false", "key", "same/{name}"));
        Path small = Files.writeString(inbox.resolve("s.txt"), "same bytes");
        Path big = inbox.resolve("b.bin");
        Files2.writeRandom(big, 6 * MIB, 2);
        keyOf(upload(rule, small));
        keyOf(upload(rule, big));
        Instant smallStored = s3.headObject(b -> b.bucket(BUCKET).key("same/s.txt")).lastModified();
        Instant bigStored = s3.headObject(b -> b.bucket(BUCKET).key("same/b.bin")).lastModified();
        Thread.sleep(1100); // Last-Modified has whole seconds: a second write would move it
        sent.set(0);
        assertThat(keyOf(upload(rule, small))).isEqualTo("same/s.txt");
        assertThat(keyOf(upload(rule, big))).isEqualTo("same/b.bin");
        assertThat(s3.headObject(b -> b.bucket(BUCKET).key("same/s.txt")).lastModified()).isEqualTo(smallStored);
        assertThat(s3.headObject(b -> b.bucket(BUCKET).key("same/b.bin")).lastModified()).isEqualTo(bigStored);
        assertThat(sent.get()).as("no part of the multipart file is sent again").isZero();
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads()).isEmpty();
    }

    @Test
    void noOverwrite_differentContent_isQuarantinedAsConflictAndTheStoredObjectIsKept() throws Exception {
        DropRule rule = rule("quarantine", Map.of("overwrite", "false", "key", "q/{name}"));
        Path file = Files.writeString(inbox.resolve("r.txt"), "first version");
        keyOf(upload(rule, file));
        Files.writeString(file, "second, different version");
        Path big = inbox.resolve("r.bin");
        Files2.writeRandom(big, 6 * MIB, 3);
        keyOf(upload(rule, big));
        Files2.writeRandom(big, 6 * MIB, 4);

        assertThat(upload(rule, file)).isInstanceOfSatisfying(UploadOutcome.Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo(FailureReason.CONFLICT);
            assertThat(r.detail()).contains("key=q/r.txt");
        });
        assertThat(upload(rule, big)).isInstanceOfSatisfying(UploadOutcome.Rejected.class,
                r -> assertThat(r.reason()).isEqualTo(FailureReason.CONFLICT));
        assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("q/r.txt")).asUtf8String()).isEqualTo("first version");
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads()).isEmpty();
    }

    @Test
    void noOverwrite_differentContent_withSuffixPolicy_goesToTheNextFreeSuffixedKey() throws Exception {
        DropRule rule = rule("suffix", Map.of("overwrite", "false", "on-conflict", "suffix", "key", "x/{name}"));
        Path file = Files.writeString(inbox.resolve("report.csv"), "v1");
        assertThat(keyOf(upload(rule, file))).isEqualTo("x/report.csv");
        Files.writeString(file, "v2");
        assertThat(keyOf(upload(rule, file))).isEqualTo("x/report-1.csv");
        Files.writeString(file, "v3");
        assertThat(keyOf(upload(rule, file))).isEqualTo("x/report-2.csv");
        Files.writeString(file, "v2");
        assertThat(keyOf(upload(rule, file))).as("identical to what -1 holds").isEqualTo("x/report-1.csv");
        assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("x/report.csv")).asUtf8String()).isEqualTo("v1");
        assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("x/report-2.csv")).asUtf8String()).isEqualTo("v3");
    }
}
