package io.chute.multipart;

import io.chute.s3.EndpointProbe;
import io.chute.stability.FileIdentity;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3Server.Store;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Ceph RGW ignores {@code If-None-Match: *} on CompleteMultipartUpload. Two writers, one no-overwrite key: Chute's
 * parts are all sent when another client stores the key; the endpoint probe found the gap, so Chute reads the key
 * just before Complete, finds the other object, aborts its upload and reports the conflict; the other writer's
 * object is kept.
 */
class ConditionalCompleteFallbackTest {

    private static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void onRgw_anObjectStoredWhileThePartsWereSent_isNotOverwrittenByComplete() throws Exception {
        S3Server server = SharedS3Servers.get(Store.CEPH_RGW);
        String bucket = SharedS3Servers.freshBucket(server, "race");
        Path file = tmp.resolve("race.bin");
        Files2.writeRandom(file, 6 * MIB, 31);
        byte[] theirs = "the other writer's object".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ExecutorService parts = Executors.newFixedThreadPool(2);
        try (S3Client s3 = server.newClient(); S3Client otherWriter = server.newClient()) {
            EndpointProbe.Guarantees g = EndpointProbe.probe(s3, bucket);
            assertThat(g.conditionalComplete()).as(g.detail()).isFalse();
            AtomicLong acknowledged = new AtomicLong();
            ObjectUploader uploader = new ObjectUploader(s3, parts, 5 * MIB, 5 * MIB, 10_000, false,
                    new TransferListener() {
                        @Override
                        public void bytesSent(Path f, long bytes) {
                            if (acknowledged.addAndGet(bytes) == 6 * MIB) { // every part is in: the other writer wins
                                otherWriter.putObject(b -> b.bucket(bucket).key("race.bin"), RequestBody.fromBytes(theirs));
                            }
                        }
                    });
            if (!g.conditionalComplete()) {
                uploader.headBeforeComplete(bucket); // what StartupChecks does with this probe result
            }
            ObjectRequest request = new ObjectRequest(file, FileIdentity.of(file), bucket, "race.bin",
                    new ObjectOptions(null, null, null, Map.of(), Map.of(), null, null, null, null, false));

            assertThatThrownBy(() -> uploader.upload(request, UploadJournal.NONE, Optional.empty()))
                    .isInstanceOf(ObjectExistsException.class)
                    .hasMessageContaining("found just before CompleteMultipartUpload")
                    .hasMessageContaining("stored size " + theirs.length);
            assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("race.bin")).asByteArray()).isEqualTo(theirs);
            assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).as("Chute's upload aborted").isEmpty();
        } finally {
            parts.shutdownNow();
        }
    }
}
