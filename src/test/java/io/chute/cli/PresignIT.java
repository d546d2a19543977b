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
                    region: %s
                    path-style: true
                    access-key-id: %s
                    secret-access-key: %s
                """.formatted(tmp.resolve("state"), s3.endpoint(), s3.region(), s3.accessKey(), s3.secretKey()));
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

    /**
     * The URL was signed before the process printed it; wait for positive evidence of the clock, not a guess:
     * two seconds past the signing time plus its validity.
     */
    private static void waitUntilExpired(String url, int validSeconds) throws InterruptedException {
        String amzDate = URI.create(url).getQuery().replaceAll(".*X-Amz-Date=([0-9TZ]+).*", "$1");
        java.time.Instant signed = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX")
                .parse(amzDate, java.time.Instant::from);
        while (java.time.Instant.now().isBefore(signed.plusSeconds(validSeconds + 2))) {
            Thread.sleep(100);
        }
    }

    private static String crc32c(byte[] bytes) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes);
        return java.util.Base64.getEncoder().encodeToString(
                java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** What the client hands the trusted side: the CRC32C of each 5 MiB part of its file, one per line. */
    private Path partChecksums(Path file, long size) throws IOException {
        StringBuilder sums = new StringBuilder("# CRC32C of each 5 MiB part\n");
        for (long offset = 0; offset < size; offset += 5 * MIB) {
            sums.append(crc32c(slice(file, offset, Math.min(5 * MIB, size - offset)))).append('\n');
        }
        return Files.writeString(file.resolveSibling(file.getFileName() + ".crc32c"), sums);
    }

    private static HttpResponse<String> put(JsonNode signed, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(signed.get("url").asText()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofMinutes(1));
        signed.get("headers").fields().forEachRemaining(h -> request.header(h.getKey(), h.getValue().asText()));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void presignMultipart_withSignedPartChecksums_partsSentWithTheirHeaderAreStored_andCorruptBytesAreRefused(Kind kind)
            throws Exception {
        S3Server s3 = SharedS3Servers.get(kind);
        String bucket = SharedS3Servers.freshBucket(s3, "presign");
        Path config = config(s3);
        Path file = tmp.resolve("client/eleven.bin");
        long size = 11 * MIB + 7;
        String sha = Files2.writeRandom(file, size, 9);
        String target = "s3://" + bucket + "/direct/eleven.bin";
        Path checksums = partChecksums(file, size);

        CliProcess multipart = chute(config, "presign", "multipart", target, "--size", Long.toString(size),
                "--checksum-algorithm", "CRC32C", "--part-checksums", checksums.toString());
        assertThat(multipart.exitValue()).as(multipart.transcript()).isZero();
        JsonNode plan = JSON.readTree(multipart.stdout());
        assertThat(plan.get("checksumAlgorithm").asText()).isEqualTo("CRC32C");
        assertThat(plan.get("requiredHeaders").toString()).isEqualTo("[\"x-amz-checksum-crc32c\"]");
        assertThat(plan.get("parts")).hasSize(3);
        JsonNode second = plan.get("parts").get(1);
        byte[] secondBytes = slice(file, second.get("offset").asLong(), second.get("length").asLong());
        assertThat(second.get("headers").get("x-amz-checksum-crc32c").asText()).isEqualTo(crc32c(secondBytes));

        byte[] corrupted = secondBytes.clone();
        corrupted[12345] ^= 0x20;
        HttpResponse<String> refused = put(second, corrupted);
        assertThat(refused.statusCode()).as("a part whose bytes fail its signed CRC32C: %s", refused.body())
                .isEqualTo(400);
        if (kind == Kind.S3PROXY) {
            // a small body: S3Proxy refuses a bad signature before it reads the body and closes the connection,
            // which a 5 MiB body still being written would see as a broken response instead of the 403
            HttpResponse<String> unsigned = put(second.get("url").asText(), new byte[1024]);
            assertThat(unsigned.statusCode()).as("the signed header left out: %s", unsigned.body()).isEqualTo(403);
        }
        for (JsonNode part : plan.get("parts")) {
            HttpResponse<String> r = put(part, slice(file, part.get("offset").asLong(), part.get("length").asLong()));
            assertThat(r.statusCode()).as("PUT part %s: %s", part.get("partNumber"), r.body()).isEqualTo(200);
        }

        CliProcess complete = chute(config, "presign", "complete", target, "--upload-id",
                plan.get("uploadId").asText(), "--expect-size", Long.toString(size), "--expect-sha256", sha, "--json");
        assertThat(complete.exitValue()).as(complete.transcript()).isZero();
        assertThat(JSON.readTree(complete.stdout()).get("verifiedBy").asText()).isEqualTo("size and sha256");
        try (S3Client client = s3.newClient()) {
            assertThat(Files2.sha256(client.getObject(b -> b.bucket(bucket).key("direct/eleven.bin")))).isEqualTo(sha);
        }
    }

    /**
     * Ceph RGW 16.2 verifies presigned SigV4 (a signed checksum header left out is refused) but does not check a
     * part's bytes against its x-amz-checksum-crc32c (docs/compatibility.md): a part corrupted on the way is stored.
     * The trusted side still catches it: {@code complete --expect-sha256} reads the object back and exits 4.
     */
    @Test
    void presignMultipart_onCephRgw_aCorruptPartIsStoredDespiteItsSignedChecksum_andCompleteCatchesItBySha256()
            throws Exception {
        S3Server s3 = SharedS3Servers.get(S3Server.Store.CEPH_RGW);
        String bucket = SharedS3Servers.freshBucket(s3, "presign-rgw");
        Path config = config(s3);
        Path file = tmp.resolve("client/ten.bin");
        long size = 10 * MIB;
        String sha = Files2.writeRandom(file, size, 11);
        String target = "s3://" + bucket + "/ten.bin";
        Path checksums = partChecksums(file, size);
        CliProcess multipart = chute(config, "presign", "multipart", target, "--size", Long.toString(size),
                "--checksum-algorithm", "CRC32C", "--part-checksums", checksums.toString());
        assertThat(multipart.exitValue()).as(multipart.transcript()).isZero();
        JsonNode plan = JSON.readTree(multipart.stdout());
        JsonNode first = plan.get("parts").get(0);
        JsonNode second = plan.get("parts").get(1);

        HttpResponse<String> unsigned = put(second.get("url").asText(), new byte[1024]);
        assertThat(unsigned.statusCode()).as("the signed header left out: %s", unsigned.body()).isEqualTo(403);
        assertThat(put(first, slice(file, 0, 5 * MIB)).statusCode()).isEqualTo(200);
        byte[] corrupted = slice(file, 5 * MIB, 5 * MIB);
        corrupted[4242] ^= 0x01;
        HttpResponse<String> stored = put(second, corrupted);
        assertThat(stored.statusCode()).as("RGW 16.2 does not check the part's CRC32C: %s", stored.body())
                .isEqualTo(200);

        CliProcess complete = chute(config, "presign", "complete", target, "--upload-id",
                plan.get("uploadId").asText(), "--expect-size", Long.toString(size), "--expect-sha256", sha);

        assertThat(complete.exitValue()).as(complete.transcript()).isEqualTo(PresignCommand.EXIT_VERIFICATION_FAILED);
        assertThat(complete.stderr()).contains("SHA-256 of the stored object is").contains("expected " + sha);
    }

    @Test
    void presignPart_signsEachPartWhenTheClientHasItsChecksum_andSignsAgainAfterAUrlExpired() throws Exception {
        S3Server s3 = SharedS3Servers.get(Kind.S3PROXY);
        String bucket = SharedS3Servers.freshBucket(s3, "presign");
        Path config = config(s3);
        Path file = tmp.resolve("client/six.bin");
        long size = 6 * MIB;
        String sha = Files2.writeRandom(file, size, 10);
        String target = "s3://" + bucket + "/six.bin";
        CliProcess multipart = chute(config, "presign", "multipart", target, "--size", Long.toString(size),
                "--checksum-algorithm", "crc32c");
        assertThat(multipart.exitValue()).as(multipart.transcript()).isZero();
        JsonNode plan = JSON.readTree(multipart.stdout());
        String uploadId = plan.get("uploadId").asText();
        assertThat(plan.get("parts")).allSatisfy(p -> assertThat(p.has("url")).as("no URL before a checksum").isFalse());
        assertThat(plan.get("verification").asText()).contains("chute presign part " + target);

        for (JsonNode part : plan.get("parts")) {
            byte[] bytes = slice(file, part.get("offset").asLong(), part.get("length").asLong());
            String n = part.get("partNumber").asText();
            CliProcess sign = chute(config, "presign", "part", target, "--upload-id", uploadId, "--part-number", n,
                    "--checksum-algorithm", "CRC32C", "--checksum", crc32c(bytes), "--json",
                    "--expires", n.equals("1") ? "1s" : "10m");
            assertThat(sign.exitValue()).as(sign.transcript()).isZero();
            JsonNode url = JSON.readTree(sign.stdout());
            assertThat(url.get("headers").get("x-amz-checksum-crc32c").asText()).isEqualTo(crc32c(bytes));
            if (n.equals("1")) { // the client was too slow: its URL expired; the trusted side signs part 1 again
                waitUntilExpired(url.get("url").asText(), 1);
                assertThat(put(url, new byte[1024]).statusCode()).as("an expired part URL").isEqualTo(403);
                sign = chute(config, "presign", "part", target, "--upload-id", uploadId, "--part-number", n,
                        "--checksum-algorithm", "CRC32C", "--checksum", crc32c(bytes), "--json");
                url = JSON.readTree(sign.stdout());
            }
            HttpResponse<String> r = put(url, bytes);
            assertThat(r.statusCode()).as("PUT part %s: %s", n, r.body()).isEqualTo(200);
        }

        CliProcess complete = chute(config, "presign", "complete", target, "--upload-id", uploadId,
                "--expect-size", Long.toString(size), "--expect-sha256", sha);
        assertThat(complete.exitValue()).as(complete.transcript()).isZero();
        assertThat(complete.stdout()).contains("2 parts, " + size + " bytes, size and SHA-256 verified");
    }

    @Test
    void presignMultipart_withARule_appliesTheRulesObjectOptions_flagsOverridingThem_andNamesAnUnknownRule()
            throws Exception {
        S3Server s3 = SharedS3Servers.get(Kind.S3MOCK);
        String bucket = SharedS3Servers.freshBucket(s3, "presign");
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path config = Files.writeString(tmp.resolve("rules.yaml"), Files.readString(config(s3)) + """
                  rules:
                    - name: archive
                      path: %s
                      bucket: %s
                      storage-class: STANDARD_IA
                      content-type: application/x-archive
                      cache-control: no-store
                      metadata:
                        origin: "{name}"
                        team: lab
                """.formatted(inbox, bucket));
        String target = "s3://" + bucket + "/direct/run-7.tar";

        CliProcess unknown = chute(config, "presign", "multipart", target, "--size", "6M", "--rule", "archiv");
        assertThat(unknown.exitValue()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("--rule 'archiv' is not a rule of the configuration; its rules: archive");

        CliProcess multipart = chute(config, "presign", "multipart", target, "--size", Long.toString(5 * MIB),
                "--rule", "archive", "--metadata", "team=imaging");
        assertThat(multipart.exitValue()).as(multipart.transcript()).isZero();
        JsonNode plan = JSON.readTree(multipart.stdout());
        assertThat(put(plan.get("parts").get(0), new byte[(int) (5 * MIB)]).statusCode()).isEqualTo(200);
        CliProcess complete = chute(config, "presign", "complete", target, "--upload-id",
                plan.get("uploadId").asText(), "--expect-size", Long.toString(5 * MIB));
        assertThat(complete.exitValue()).as(complete.transcript()).isZero();

        try (S3Client client = s3.newClient()) {
            var head = client.headObject(b -> b.bucket(bucket).key("direct/run-7.tar"));
            assertThat(head.storageClassAsString()).isEqualTo("STANDARD_IA");
            assertThat(head.contentType()).isEqualTo("application/x-archive");
            assertThat(head.cacheControl()).isEqualTo("no-store");
            assertThat(head.metadata()).containsEntry("origin", "run-7.tar").containsEntry("team", "imaging");
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
        waitUntilExpired(part.get("url").asText(), 1);

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
