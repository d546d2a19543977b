package io.chute.cli;

import io.chute.testing.CliProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess.Kind;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chute uploads resume s3://BUCKET/KEY FILE --upload-id ID} of the packaged jar: an open upload whose
 * checkpoint is gone is continued from the file, keeping only the parts the store's CRC32C proves to be the
 * file's bytes, and refused with its reason when it cannot be continued safely. S3Mock lists each part's CRC32C
 * like S3 does; S3Proxy, as it ships, records none.
 */
class UploadsResumeIT {

    static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    private Path config(S3Server s3) throws IOException {
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  upload:
                    multipart-threshold: 5M
                    part-size: 5M
                    parts-in-flight: 1
                  s3:
                    endpoint: %s
                    region: us-east-1
                    path-style: true
                    access-key-id: %s
                    secret-access-key: %s
                """.formatted(tmp.resolve("state"), s3.endpoint(), s3.accessKey(), s3.secretKey()));
        return config;
    }

    private CliProcess chute(Path config, String... args) throws IOException, InterruptedException {
        return CliProcess.run(config, tmp.resolve("logs"), args);
    }

    private static byte[] slice(Path file, long offset, int length) throws IOException {
        byte[] bytes = new byte[length];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(offset);
            f.readFully(bytes);
        }
        return bytes;
    }

    private static List<String> openUploadIds(S3Client client, String bucket) {
        return client.listMultipartUploads(b -> b.bucket(bucket)).uploads().stream().map(MultipartUpload::uploadId)
                .toList();
    }

    @Test
    void resume_ofAKilledUploadWhoseCheckpointWasLost_keepsThePartsProvenByCrc32c_andStoresTheFile() throws Exception {
        S3Server s3 = SharedS3Servers.get(Kind.S3MOCK);
        String bucket = SharedS3Servers.freshBucket(s3, "resume");
        Path config = config(s3);
        Path file = tmp.resolve("data/thirty.bin");
        String sha = Files2.writeRandom(file, 30 * MIB + 11, 5);
        String target = "s3://" + bucket + "/thirty.bin";
        try (CliProcess first = CliProcess.start(config, tmp.resolve("logs"),
                List.of("-Dchutetest.crash-point=after-checkpoint", "-Dchutetest.crash-after=3"),
                "upload", file.toString(), target)) {
            assertThat(first.waitForExit(Duration.ofMinutes(2))).as(first.transcript()).isEqualTo(137);
        }
        Path sidecar = file.resolveSibling("thirty.bin.upload_state");
        Files.delete(sidecar); // the checkpoint is lost: a plain rerun would start a new upload
        try (S3Client client = s3.newClient()) {
            List<String> open = openUploadIds(client, bucket);
            assertThat(open).hasSize(1);
            String uploadId = open.get(0);

            CliProcess resume = chute(config, "uploads", "resume", target, file.toString(), "--upload-id", uploadId,
                    "--progress", "none");

            assertThat(resume.exitValue()).as(resume.transcript()).isZero();
            assertThat(resume.stderr()).contains("chute: continuing upload " + uploadId + " of " + target + " from "
                    + file + ": 3 part(s), " + 15 * MIB + " bytes listed; part size " + 5 * MIB);
            assertThat(resume.stdout()).contains("resumed from its checkpoint; " + (15 * MIB + 11)
                    + " bytes sent by this run");
            assertThat(Files2.sha256(client.getObject(b -> b.bucket(bucket).key("thirty.bin")))).isEqualTo(sha);
            assertThat(openUploadIds(client, bucket)).isEmpty();
            assertThat(sidecar).doesNotExist();
            assertThat(Files.readString(tmp.resolve("state/uploads.ledger"))).contains(uploadId).contains("\"ended\"");
        }
    }

    @Test
    void resume_ofAnUploadHoldingAPartThatIsNotTheFiles_sendsThatPartAgain_andTheObjectIsTheFile() throws Exception {
        S3Server s3 = SharedS3Servers.get(Kind.S3MOCK);
        String bucket = SharedS3Servers.freshBucket(s3, "resume");
        Path file = tmp.resolve("data/twenty.bin");
        String sha = Files2.writeRandom(file, 20 * MIB, 6);
        Path other = tmp.resolve("other.bin");
        Files2.writeRandom(other, 5 * MIB, 7);
        try (S3Client client = s3.newClient()) {
            // another Chute (same CRC32C parts) on another host: parts 1 and 3 are the file's, part 2 is not
            String uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key("twenty.bin")
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32_C)).uploadId();
            for (int n : new int[] {1, 2, 3}) {
                byte[] body = n == 2 ? Files.readAllBytes(other) : slice(file, (n - 1) * 5 * MIB, (int) (5 * MIB));
                client.uploadPart(b -> b.bucket(bucket).key("twenty.bin").uploadId(uploadId).partNumber(n)
                        .checksumAlgorithm(ChecksumAlgorithm.CRC32_C), RequestBody.fromBytes(body));
            }

            CliProcess resume = chute(config(s3), "uploads", "resume", "s3://" + bucket + "/twenty.bin",
                    file.toString(), "--upload-id", uploadId, "--progress", "none");

            assertThat(resume.exitValue()).as(resume.transcript()).isZero();
            assertThat(resume.stdout()).as("parts 2 and 4 sent, 1 and 3 kept")
                    .contains("; " + 10 * MIB + " bytes sent by this run");
            assertThat(Files2.sha256(client.getObject(b -> b.bucket(bucket).key("twenty.bin")))).isEqualTo(sha);
            assertThat(openUploadIds(client, bucket)).isEmpty();
        }
    }

    @Test
    void resume_refusesAnUnknownId_andAnUploadCreatedWithoutAChecksum_writingNothing() throws Exception {
        S3Server s3 = SharedS3Servers.get(Kind.S3PROXY);
        String bucket = SharedS3Servers.freshBucket(s3, "resume");
        Path config = config(s3);
        Path file = tmp.resolve("data/ten.bin");
        Files2.writeRandom(file, 10 * MIB, 8);
        String target = "s3://" + bucket + "/ten.bin";
        try (S3Client client = s3.newClient()) {
            // as chute presign multipart and most clients create one: no checksum algorithm
            String uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key("ten.bin")).uploadId();
            client.uploadPart(b -> b.bucket(bucket).key("ten.bin").uploadId(uploadId).partNumber(1),
                    RequestBody.fromBytes(slice(file, 0, (int) (5 * MIB))));

            CliProcess noChecksum = chute(config, "uploads", "resume", target, file.toString(),
                    "--upload-id", uploadId);
            CliProcess unknown = chute(config, "uploads", "resume", target, file.toString(),
                    "--upload-id", "no-such-upload-id");

            assertThat(noChecksum.exitValue()).as(noChecksum.transcript()).isEqualTo(1);
            assertThat(noChecksum.stderr()).contains(target + " upload " + uploadId + ": the store reports no checksum"
                    + " algorithm for it").contains("chute presign complete");
            assertThat(unknown.exitValue()).as(unknown.transcript()).isEqualTo(1);
            assertThat(unknown.stderr()).contains(target + " upload no-such-upload-id: no such upload");
            assertThat(openUploadIds(client, bucket)).as("the refused upload is left as it was").containsExactly(uploadId);
            assertThat(client.listParts(b -> b.bucket(bucket).key("ten.bin").uploadId(uploadId)).parts()).hasSize(1);
            assertThat(Files2.sidecarCount(file.getParent())).isZero();
            assertThat(client.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
        }
    }
}
