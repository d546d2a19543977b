package io.chute.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chute.testing.CliProcess;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess.Kind;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chute presign} and {@code chute uploads} of the packaged jar against S3Proxy (which verifies SigV4,
 * presigned query signatures and their expiry included) and S3Mock. The test plays the client without
 * credentials with {@link HttpClient}: no SDK, no keys, only the URLs the command printed.
 */
class PresignIT {

    static final long MIB = 1024 * 1024;
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path tmp;

    private Path config(S3Server s3) throws IOException {
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  upload:
                    part-size: 5M
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

    private static HttpResponse<String> put(String url, byte[] body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(Duration.ofMinutes(1)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] slice(Path file, long offset, long length) throws IOException {
        byte[] bytes = new byte[(int) length];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(offset);
            f.readFully(bytes);
        }
        return bytes;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void presignMultipart_partsPutByAClientWithoutCredentials_completeVerifiesSizeAndSha256(Kind kind) throws Exception {
        S3Server s3 = SharedS3Servers.get(kind);
        String bucket = SharedS3Servers.freshBucket(s3, "presign");
        Path config = config(s3);
        Path file = tmp.resolve("client/twelve.bin");
        String sha = Files2.writeRandom(file, 12 * MIB + 123, 7);
        String target = "s3://" + bucket + "/direct/twelve.bin";

        CliProcess multipart = chute(config, "presign", "multipart", target, "--size", Long.toString(12 * MIB + 123),
                "--expires", "10m", "--content-type", "application/x-instrument", "--storage-class", "STANDARD_IA",
                "--metadata", "origin=instrument-7");
        assertThat(multipart.exitValue()).as(multipart.transcript()).isZero();
        JsonNode plan = JSON.readTree(multipart.stdout());
        assertThat(plan.get("partSize").asLong()).isEqualTo(5 * MIB);
        assertThat(plan.get("checksumAlgorithm").isNull()).isTrue();
        assertThat(plan.get("parts")).hasSize(3);
        String uploadId = plan.get("uploadId").asText();

        for (JsonNode part : plan.get("parts")) {
            String url = part.get("url").asText();
            assertThat(url).doesNotContain(s3.secretKey());
            HttpResponse<String> r = put(url, slice(file, part.get("offset").asLong(), part.get("length").asLong()));
            assertThat(r.statusCode()).as("PUT part %s: %s", part.get("partNumber"), r.body()).isEqualTo(200);
        }

        CliProcess complete = chute(config, "presign", "complete", target, "--upload-id", uploadId,
                "--expect-size", Long.toString(12 * MIB + 123), "--expect-sha256", sha);
        assertThat(complete.exitValue()).as(complete.transcript()).isZero();
        assertThat(complete.stdout()).contains("completed " + target + ": 3 parts, " + (12 * MIB + 123)
                + " bytes, size and SHA-256 verified");
        try (S3Client client = s3.newClient()) {
            assertThat(Files2.sha256(client.getObject(b -> b.bucket(bucket).key("direct/twelve.bin")))).isEqualTo(sha);
            var head = client.headObject(b -> b.bucket(bucket).key("direct/twelve.bin"));
            assertThat(head.contentType()).as("--content-type").isEqualTo("application/x-instrument");
            assertThat(head.metadata()).as("--metadata").containsEntry("origin", "instrument-7");
            // S3Proxy 4.1.0 accepts the class on CreateMultipartUpload and reports STANDARD for the completed
            // object (it keeps the class of a PutObject): a store that does not keep it, S3Mock does
            assertThat(head.storageClassAsString()).as("--storage-class")
                    .isEqualTo(kind == Kind.S3MOCK ? "STANDARD_IA" : "STANDARD");
        }
        assertThat(Files.readString(tmp.resolve("state/uploads.ledger"))).contains(uploadId).contains("\"ended\"");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void presignComplete_withAPartNeverSent_exitsThreeNamingIt_andLeavesTheUploadOpen(Kind kind) throws Exception {
        S3Server s3 = SharedS3Servers.get(kind);
        String bucket = SharedS3Servers.freshBucket(s3, "presign");
        Path config = config(s3);
        Path file = tmp.resolve("client/fifteen.bin");
        long size = 15 * MIB + 1;
        String sha = Files2.writeRandom(file, size, 8);
        String target = "s3://" + bucket + "/fifteen.bin";
        CliProcess multipart = chute(config, "presign", "multipart", target, "--size", Long.toString(size));
        assertThat(multipart.exitValue()).as(multipart.transcript()).isZero();
        JsonNode plan = JSON.readTree(multipart.stdout());
        String uploadId = plan.get("uploadId").asText();
        assertThat(plan.get("parts")).hasSize(4);
        for (JsonNode part : plan.get("parts")) {
            if (part.get("partNumber").asInt() == 2) {
                continue; // the client never sends part 2
            }
            assertThat(put(part.get("url").asText(), slice(file, part.get("offset").asLong(),
                    part.get("length").asLong())).statusCode()).isEqualTo(200);
        }

        CliProcess complete = chute(config, "presign", "complete", target, "--upload-id", uploadId,
                "--expect-size", Long.toString(size), "--expect-sha256", sha);

        assertThat(complete.exitValue()).as(complete.transcript()).isEqualTo(3);
        assertThat(complete.stderr()).contains("missing part(s) 2 (3 stored); the upload stays open");
        try (S3Client client = s3.newClient()) {
            assertThat(client.listMultipartUploads(b -> b.bucket(bucket)).uploads())
                    .extracting(MultipartUpload::uploadId).containsExactly(uploadId);
        }
    }

    @Test
    void presignMultipart_aPartPutAfterItsUrlExpired_isRefusedByS3Proxy() throws Exception {
        S3Server s3 = SharedS3Servers.get(Kind.S3PROXY);
        String bucket = SharedS3Servers.freshBucket(s3, "presign");
        Path config = config(s3);
        String target = "s3://" + bucket + "/late.bin";
        CliProcess multipart = chute(config, "presign", "multipart", target, "--size", Long.toString(5 * MIB),
                "--expires", "1s", "--ledger-expires", "1h");
        assertThat(multipart.exitValue()).as(multipart.transcript()).isZero();
        JsonNode part = JSON.readTree(multipart.stdout()).get("parts").get(0);
        // The URL was signed before the process printed it; by now more than its one second has passed, but
        // wait for positive evidence of the clock, not a guess: a fresh second after the signing time.
        String amzDate = URI.create(part.get("url").asText()).getQuery().replaceAll(".*X-Amz-Date=([0-9TZ]+).*", "$1");
        java.time.Instant signed = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX")
                .parse(amzDate, java.time.Instant::from);
        while (java.time.Instant.now().isBefore(signed.plusSeconds(3))) {
            Thread.sleep(100);
        }

        // A small body: S3Proxy refuses an expired URL before it reads the body and closes the connection, which a
        // 5 MiB body still being written would see as a broken response instead of the 403.
        HttpResponse<String> late = put(part.get("url").asText(), new byte[1024]);

        assertThat(late.statusCode()).as(late.body()).isEqualTo(403);
        assertThat(late.body()).containsIgnoringCase("expired");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void presignGet_urlDownloadsTheObjectWithPlainHttp_andPresignPutStoresOne(Kind kind) throws Exception {
        S3Server s3 = SharedS3Servers.get(kind);
        String bucket = SharedS3Servers.freshBucket(s3, "presign");
        Path config = config(s3);
        byte[] body = "hello from a client without keys\n".getBytes();

        CliProcess presignPut = chute(config, "presign", "put", "s3://" + bucket + "/shared/hello.txt");
        assertThat(presignPut.exitValue()).as(presignPut.transcript()).isZero();
        assertThat(put(presignPut.stdout().trim(), body).statusCode()).isEqualTo(200);

        CliProcess presignGet = chute(config, "presign", "get", "s3://" + bucket + "/shared/hello.txt", "--json",
                "--expires", "5m");
        assertThat(presignGet.exitValue()).as(presignGet.transcript()).isZero();
        JsonNode got = JSON.readTree(presignGet.stdout());
        assertThat(got.get("method").asText()).isEqualTo("GET");
        HttpResponse<byte[]> download = HTTP.send(HttpRequest.newBuilder(URI.create(got.get("url").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(body);
        if (kind == Kind.S3PROXY) {
            String tampered = got.get("url").asText().replace("X-Amz-Signature=", "X-Amz-Signature=0");
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(tampered)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).as("S3Proxy checks the signature").isEqualTo(403);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void uploadsList_marksTheLedgersUploadOursAndAForeignOneNot_andAbortRemovesOnlyTheNamedOne(Kind kind)
            throws Exception {
        S3Server s3 = SharedS3Servers.get(kind);
        String bucket = SharedS3Servers.freshBucket(s3, "uploads");
        Path config = config(s3);
        CliProcess multipart = chute(config, "presign", "multipart", "s3://" + bucket + "/in/ours.bin", "--size",
                Long.toString(6 * MIB));
        assertThat(multipart.exitValue()).as(multipart.transcript()).isZero();
        String oursId = JSON.readTree(multipart.stdout()).get("uploadId").asText();
        String foreignId;
        try (S3Client client = s3.newClient()) {
            foreignId = client.createMultipartUpload(b -> b.bucket(bucket).key("in/foreign.bin")).uploadId();
            client.uploadPart(b -> b.bucket(bucket).key("in/foreign.bin").uploadId(foreignId).partNumber(1),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[1000]));
        }

        CliProcess list = chute(config, "uploads", "list", "s3://" + bucket + "/in/", "--json");
        assertThat(list.exitValue()).as(list.transcript()).isZero();
        JsonNode rows = JSON.readTree(list.stdout());
        assertThat(rows).hasSize(2);
        for (JsonNode row : rows) {
            boolean ours = row.get("uploadId").asText().equals(oursId);
            assertThat(row.get("ours").asBoolean()).as(row.toString()).isEqualTo(ours);
            assertThat(row.get("key").asText()).isEqualTo(ours ? "in/ours.bin" : "in/foreign.bin");
            assertThat(row.get("parts").asInt()).isEqualTo(ours ? 0 : 1);
            assertThat(row.get("bytes").asLong()).isEqualTo(ours ? 0 : 1000);
        }
        CliProcess text = chute(config, "uploads", "list", "s3://" + bucket);
        assertThat(text.stdout()).contains("2 open upload(s), 1 of them this installation's");

        CliProcess abort = chute(config, "uploads", "abort", "s3://" + bucket + "/in/foreign.bin", "--upload-id",
                foreignId);
        assertThat(abort.exitValue()).as(abort.transcript()).isZero();
        try (S3Client client = s3.newClient()) {
            List<String> open = client.listMultipartUploads(b -> b.bucket(bucket)).uploads().stream()
                    .map(MultipartUpload::uploadId).toList();
            assertThat(open).containsExactly(oursId);
        }
    }
}
