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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code overwrite: false} when another tool already stored the key, through a plain SDK client that sends no
 * checksums (as the aws CLI or rclone do on these stores): the same bytes are recognised by the MD5 ETag
 * (single-part) or the multipart ETag recomputed for 5 MiB parts (Chute itself would cut the file otherwise), so
 * the file succeeds and nothing is written; different bytes of the same size are a conflict. On every test server.
 */
class NoOverwriteForeignObjectTest {

    static final int MIB = 1024 * 1024;

    @TempDir
    Path tmp;
    ExecutorService parts;
    final AtomicLong sent = new AtomicLong();

    @AfterEach
    void stop() {
        if (parts != null) {
            parts.shutdownNow();
        }
    }

    /** Chute with 8 MiB threshold and its default 16 MiB parts: a 12 MiB file is one part for Chute. */
    private FileUploader uploader(S3Server server, S3Client s3) throws Exception {
        Path state = tmp.resolve("state");
        Clock clock = Clock.systemUTC();
        SidecarStore sidecars = new SidecarStore(InstallationKey.loadOrCreate(state), clock);
        parts = Executors.newFixedThreadPool(2);
        ObjectUploader engine = new ObjectUploader(s3, parts, 8 * MIB, 16 * MIB, 10_000, true, new TransferListener() {
            @Override
            public void bytesSent(Path file, long bytes) {
                sent.addAndGet(bytes);
            }
        });
        return new FileUploader(engine, sidecars, new UploadLedger(state, clock),
                new Completion(new ReceiptStore(state), sidecars, state, clock), server.endpoint().toString(), clock);
    }

    private static DropRule rule(Path inbox, String bucket) {
        Map<String, String> p = new HashMap<>();
        p.put("chute.rules[0].name", "nooverwrite");
        p.put("chute.rules[0].path", inbox.toString());
        p.put("chute.rules[0].bucket", bucket);
        p.put("chute.rules[0].key", "{name}");
        p.put("chute.rules[0].overwrite", "false");
        return DropRule.from(TestConfig.of(p).rules().get(0));
    }

    /** What a plain client stores: one PutObject, no checksum headers. */
    private static void putPlain(S3Client s3, String bucket, String key, byte[] bytes) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
    }

    /** What a plain client stores in 5 MiB parts (rclone's default chunk size), no checksum headers. */
    private static void multipartPlain(S3Client s3, String bucket, String key, byte[] bytes) {
        String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        List<CompletedPart> done = new ArrayList<>();
        for (int offset = 0, n = 1; offset < bytes.length; offset += 5 * MIB, n++) {
            byte[] part = Arrays.copyOfRange(bytes, offset, Math.min(bytes.length, offset + 5 * MIB));
            int number = n;
            String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(number),
                    RequestBody.fromBytes(part)).eTag();
            done.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        }
        s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id).multipartUpload(m -> m.parts(done)));
    }

    private UploadOutcome attempt(FileUploader uploader, DropRule rule, Path file) throws Exception {
        return uploader.attempt(new StableFile(rule, file, FileIdentity.of(file), Instant.now()));
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void identicalObjectsOfAPlainClient_singleAndMultipart_areThisFile_andNothingIsWritten(Store store) throws Exception {
        S3Server server = SharedS3Servers.get(store);
        String bucket = SharedS3Servers.freshBucket(server, "foreign");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path small = inbox.resolve("small.bin");
        Path big = inbox.resolve("big.bin");
        Files2.writeRandom(small, 300_000, 11);
        Files2.writeRandom(big, 12 * MIB, 12);
        try (S3Client s3 = server.newClient()) {
            putPlain(s3, bucket, "small.bin", Files.readAllBytes(small));
            multipartPlain(s3, bucket, "big.bin", Files.readAllBytes(big));
            HeadObjectResponse smallBefore = s3.headObject(b -> b.bucket(bucket).key("small.bin"));
            HeadObjectResponse bigBefore = s3.headObject(b -> b.bucket(bucket).key("big.bin"));
            assertThat(bigBefore.eTag()).as("the store made a multipart ETag of 3 parts").endsWith("-3\"");
            Thread.sleep(1100); // Last-Modified has whole seconds: a second write would move it

            FileUploader uploader = uploader(server, s3);
            DropRule rule = rule(inbox, bucket);
            for (Path file : List.of(small, big)) {
                UploadOutcome outcome = attempt(uploader, rule, file);
                assertThat(outcome).as("%s on %s", file.getFileName(), store)
                        .isInstanceOfSatisfying(UploadOutcome.Completed.class, c -> assertThat(c.proof().verifiedBy())
                                .isIn("md5-etag", "multipart-etag-5MiB"));
            }
            assertThat(sent.get()).as("no byte sent").isZero();
            HeadObjectResponse smallAfter = s3.headObject(b -> b.bucket(bucket).key("small.bin"));
            HeadObjectResponse bigAfter = s3.headObject(b -> b.bucket(bucket).key("big.bin"));
            assertThat(smallAfter.lastModified()).isEqualTo(smallBefore.lastModified());
            assertThat(smallAfter.eTag()).isEqualTo(smallBefore.eTag());
            assertThat(bigAfter.lastModified()).isEqualTo(bigBefore.lastModified());
            assertThat(bigAfter.eTag()).isEqualTo(bigBefore.eTag());
            assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void differentObjectsOfTheSameSize_singleAndMultipart_areConflicts_andAreKept(Store store) throws Exception {
        S3Server server = SharedS3Servers.get(store);
        String bucket = SharedS3Servers.freshBucket(server, "foreign");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path small = inbox.resolve("small.bin");
        Path big = inbox.resolve("big.bin");
        Files2.writeRandom(small, 300_000, 21);
        Files2.writeRandom(big, 12 * MIB, 22);
        byte[] otherSmall = Files.readAllBytes(small);
        otherSmall[123_456] ^= 1;
        byte[] otherBig = Files.readAllBytes(big);
        otherBig[11 * MIB] ^= 1;
        try (S3Client s3 = server.newClient()) {
            putPlain(s3, bucket, "small.bin", otherSmall);
            multipartPlain(s3, bucket, "big.bin", otherBig);
            FileUploader uploader = uploader(server, s3);
            DropRule rule = rule(inbox, bucket);
            assertThat(attempt(uploader, rule, small)).isInstanceOfSatisfying(UploadOutcome.Rejected.class, r -> {
                assertThat(r.reason()).isEqualTo(FailureReason.CONFLICT);
                assertThat(r.detail()).contains("key=small.bin", "differ from the file's at offset 123456");
            });
            assertThat(attempt(uploader, rule, big)).isInstanceOfSatisfying(UploadOutcome.Rejected.class, r -> {
                assertThat(r.reason()).isEqualTo(FailureReason.CONFLICT);
                assertThat(r.detail()).contains("key=big.bin", "differ from the file's at offset " + 11 * MIB);
            });
            assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("small.bin")).asByteArray()).isEqualTo(otherSmall);
            assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("big.bin")).asByteArray()).isEqualTo(otherBig);
            assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
        }
    }
}
