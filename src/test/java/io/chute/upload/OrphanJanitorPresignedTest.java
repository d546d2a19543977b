package io.chute.upload;

import io.chute.checkpoint.InstallationKey;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.TransferListener;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SettableClock;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upload created for presigned URLs ({@code chute presign multipart}) is recorded in the ledger with its own
 * expiry: the janitor leaves it open until then, at startup and in the periodic sweep alike, whatever its TTL, and
 * aborts it after. Real S3Mock; the janitor's clock is moved by hand.
 */
class OrphanJanitorPresignedTest {

    static S3Server server;
    static S3Client s3;
    static String bucket;

    @TempDir
    Path tmp;
    ExecutorService parts = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void startServer() {
        server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK);
        bucket = SharedS3Servers.freshBucket(server, "janitor-presigned");
        s3 = server.newClient();
    }

    @AfterAll
    static void stopServer() {
        s3.close();
        server.close();
    }

    @AfterEach
    void stopParts() {
        parts.shutdownNow();
    }

    @Test
    void janitor_leavesAPresignedUploadOpenUntilItsLedgerExpiry_thenAbortsIt() throws Exception {
        SettableClock clock = SettableClock.at("2026-12-02T10:00:00Z");
        Path state = tmp.resolve("state");
        UploadLedger ledger = new UploadLedger(state, clock);
        SidecarStore sidecars = new SidecarStore(InstallationKey.loadOrCreate(state), clock);
        ObjectUploader objects = new ObjectUploader(s3, parts, 5 << 20, 5 << 20, 10_000, true, TransferListener.NONE);
        String endpointId = server.endpoint().toString();
        OrphanJanitor janitor = new OrphanJanitor(ledger, sidecars, objects, endpointId, path -> false, clock,
                Duration.ofMinutes(10), () -> { });
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("direct.bin")).uploadId();
        ledger.presigned(endpointId, bucket, "direct.bin", uploadId, clock.instant().plus(Duration.ofHours(3)));

        assertThat(janitor.sweep(true)).as("startup sweep, before the expiry").isZero();
        clock.advance(Duration.ofHours(2)); // far beyond the TTL, still before the expiry
        assertThat(janitor.sweep(false)).as("periodic sweep, 2 h in").isZero();
        assertThat(janitor.sweep(true)).as("startup sweep, 2 h in").isZero();
        assertThat(openUploadIds()).containsExactly(uploadId);
        assertThat(ledger.open()).extracting(UploadLedger.Entry::uploadId).containsExactly(uploadId);

        clock.advance(Duration.ofHours(1).plusSeconds(1));
        assertThat(janitor.sweep(false)).as("periodic sweep, just after the expiry").isOne();
        assertThat(openUploadIds()).isEmpty();
        assertThat(ledger.open()).isEmpty();
    }

    @Test
    void ledger_readsEntriesWrittenBeforeExpiryExisted_asUploadsOfFiles() throws Exception {
        Path state = tmp.resolve("state");
        java.nio.file.Files.createDirectories(state);
        java.nio.file.Files.writeString(state.resolve("uploads.ledger"), "{\"op\":\"created\",\"ref\":\"r1\","
                + "\"at\":\"2026-12-01T10:00:00Z\",\"endpoint\":\"e\",\"bucket\":\"b\",\"key\":\"k\","
                + "\"uploadId\":\"u1\",\"path\":\"/in/f\"}\n");
        List<UploadLedger.Entry> open = new UploadLedger(state, Clock.systemUTC()).open();
        assertThat(open).singleElement().satisfies(e -> {
            assertThat(e.uploadId()).isEqualTo("u1");
            assertThat(e.expiry()).isEmpty();
        });
    }

    private List<String> openUploadIds() {
        return s3.listMultipartUploads(b -> b.bucket(bucket)).uploads().stream().map(MultipartUpload::uploadId)
                .toList();
    }
}
