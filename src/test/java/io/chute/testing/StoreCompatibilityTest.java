package io.chute.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.chute.testing.S3Server.Store;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.StorageClass;
import software.amazon.awssdk.services.s3.model.Tag;

/**
 * What each S3 server the tests run (S3Mock, S3Proxy, Ceph RGW) actually does with the requests Chute's guarantees
 * rest on, through a plain SDK v2 client (not Chute's code). Every observation is asserted against {@link #EXPECTED},
 * so a server upgrade that changes one fails here, naming it; the whole matrix is printed and written to
 * {@code target/store-compatibility.md}. RGW columns are skipped where the Ceph packages are missing. With
 * {@code -Dchutetest.compat-record=true} nothing is asserted: the run only prints what the servers do now.
 */
class StoreCompatibilityTest {

    static final String RECORD_PROPERTY = "chutetest.compat-record";

    private static final int MIB = 1024 * 1024;
    private static final byte[] SMALL = "chute store compatibility".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER = "something else entirely".getBytes(StandardCharsets.UTF_8);
    private static final String NON_ASCII = "日本.txt";
    private static final String ENCODED_WORD =
            "=?UTF-8?B?" + Base64.getEncoder().encodeToString(NON_ASCII.getBytes(StandardCharsets.UTF_8)) + "?=";

    /** guarantee -> store -> observation; what the servers did when this test was last changed. */
    private static final Map<String, Map<Store, String>> EXPECTED = new TreeMap<>();
    private static final Map<String, Map<Store, String>> OBSERVED = new ConcurrentHashMap<>();
    private static final Map<Store, String> BUCKETS = new ConcurrentHashMap<>();

    private static void expect(String guarantee, String s3mock, String s3proxy, String rgw) {
        EXPECTED.put(guarantee, new EnumMap<>(Map.of(Store.S3MOCK, s3mock, Store.S3PROXY, s3proxy, Store.CEPH_RGW, rgw)));
    }

    static {
        //     guarantee,
        //     S3Mock 5.2.0, S3Proxy 4.1.0 (filesystem), Ceph RGW 16.2.15 (Debian bookworm)
        expect("a PutObject If-None-Match:* on existing key",
                "412 PreconditionFailed, first object kept",
                "412 PreconditionFailed, first object kept",
                "412 PreconditionFailed, first object kept");
        expect("b CompleteMultipartUpload If-None-Match:* on existing key",
                "412 PreconditionFailed, first object kept",
                "412 PreconditionFailed, first object kept",
                "200, overwritten");
        expect("c PutObject with a wrong x-amz-checksum-crc32c",
                "400 BadRequest, nothing stored",
                "400 BadDigest, nothing stored",
                "200, object stored");
        expect("c UploadPart with a wrong x-amz-checksum-crc32c",
                "400 BadRequest",
                "400 BadDigest",
                "200");
        expect("d HeadObject of a PutObject sent with CRC32C",
                "crc32c right, type null, etag quoted md5",
                "crc32c right, type FULL_OBJECT, etag quoted md5",
                "crc32c missing, type null, etag quoted md5");
        expect("d CreateMultipartUpload CRC32C FULL_OBJECT",
                "200",
                "200",
                "200");
        expect("d CompleteMultipartUpload with a wrong full-object CRC32C",
                "400 BadRequest",
                "400 BadDigest",
                "200");
        expect("d CompleteMultipartUpload with the right full-object CRC32C",
                "200, answer crc32c right, type FULL_OBJECT",
                "200, answer crc32c right, type FULL_OBJECT",
                "200, answer crc32c missing, type null");
        expect("d HeadObject of the FULL_OBJECT multipart object",
                "crc32c right, type null, etag quoted md5-2, length right",
                "crc32c right, type FULL_OBJECT, etag quoted md5-2, length right",
                "crc32c missing, type null, etag quoted md5-2, length right");
        expect("e ListParts after AbortMultipartUpload",
                "404 NoSuchUpload",
                "200",
                "404 NoSuchKey");
        expect("e UploadPart after AbortMultipartUpload",
                "404 NoSuchUpload",
                "200",
                "404 NoSuchUpload");
        expect("e AbortMultipartUpload again",
                "404 NoSuchUpload",
                "404 NoSuchUpload",
                "404 NoSuchUpload");
        expect("f PutObject with x-amz-tagging",
                "200, tags team=ingest&tier=raw",
                "501 NotImplemented",
                "200, tags team=ingest&tier=raw");
        expect("f CreateMultipartUpload with x-amz-tagging",
                "200, tags team=ingest&tier=raw",
                "501 NotImplemented",
                "200, no tags kept");
        expect("g PutObject STANDARD_IA",
                "200, HeadObject says STANDARD_IA",
                "200, HeadObject says STANDARD_IA",
                "400 InvalidArgument");
        expect("g multipart upload STANDARD_IA",
                "200, HeadObject says STANDARD_IA",
                "200, HeadObject says STANDARD",
                "400 InvalidArgument");
        expect("m PutObject SSE AES256",
                "200, HeadObject says AES256",
                "501 NotImplemented",
                "400 InvalidRequest");
        expect("m multipart upload SSE AES256",
                "200, HeadObject says no SSE",
                "501 NotImplemented",
                "400 InvalidRequest");
        expect("m PutObject ACL public-read",
                "200, grants owner FULL_CONTROL",
                "200, grants AllUsers READ, owner FULL_CONTROL",
                "200, grants AllUsers READ, owner FULL_CONTROL");
        expect("m multipart upload ACL public-read",
                "200, grants owner FULL_CONTROL",
                "200, grants AllUsers READ, owner FULL_CONTROL",
                "200, grants AllUsers READ, owner FULL_CONTROL");
        expect("m PutObject with the other canned ACLs",
                "private 200, public-read-write 200, authenticated-read 200, aws-exec-read 200, bucket-owner-read 200,"
                        + " bucket-owner-full-control 200",
                "private 200, public-read-write 501 NotImplemented, authenticated-read 501 NotImplemented,"
                        + " aws-exec-read 400 InvalidRequest, bucket-owner-read 501 NotImplemented,"
                        + " bucket-owner-full-control 501 NotImplemented",
                "private 200, public-read-write 200, authenticated-read 200, aws-exec-read 400 InvalidArgument,"
                        + " bucket-owner-read 200, bucket-owner-full-control 200");
        expect("m multipart upload user metadata",
                "200, HeadObject {origin=chute}",
                "200, HeadObject {origin=chute}",
                "200, HeadObject {origin=chute}");
        expect("h user metadata raw 日本.txt",
                "200, HeadObject '??.txt' (??.txt)",
                "403 SignatureDoesNotMatch",
                "403 SignatureDoesNotMatch");
        expect("h user metadata RFC 2047 日本.txt",
                "200, HeadObject the encoded word",
                "200, HeadObject the encoded word",
                "200, HeadObject the encoded word");
        expect("i ETag answered by CompleteMultipartUpload (2 parts)",
                "quoted md5-2, same as HeadObject",
                "quoted md5-2, same as HeadObject",
                "empty (0 chars: ), HeadObject quoted md5-2");
        expect("k UploadPart of 16 MiB (Chute's default part size)", "200, listed 16777216 bytes",
                "200, listed 16777216 bytes", "200, listed 16777216 bytes");
        expect("l PutObject with session credentials (x-amz-security-token)", "200", "501 NotImplemented", "200");
        expect("j ListMultipartUploads",
                "listed, key right, initiated present",
                "listed, key right, initiated present",
                "listed, key right, initiated present");
        expect("e ListParts after CompleteMultipartUpload", "404 NoSuchUpload", "200", "404 NoSuchKey");
        expect("e AbortMultipartUpload after CompleteMultipartUpload", "404 NoSuchUpload", "404 NoSuchUpload",
                "404 NoSuchUpload");
    }

    // ------------------------------------------------------------------------------------------------ (a), (b)

    @ParameterizedTest
    @EnumSource(Store.class)
    void a_putObject_ifNoneMatchStar_onAnExistingKey(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            s3.putObject(b -> b.bucket(bucket).key("a/existing"), RequestBody.fromBytes(SMALL));
            String answer = outcome(() -> s3.putObject(b -> b.bucket(bucket).key("a/existing").ifNoneMatch("*"),
                    RequestBody.fromBytes(OTHER)));
            observe("a PutObject If-None-Match:* on existing key", store, answer + ", " + contentOf(s3, bucket, "a/existing"));
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void b_completeMultipartUpload_ifNoneMatchStar_onAnExistingKey(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            s3.putObject(b -> b.bucket(bucket).key("b/existing"), RequestBody.fromBytes(SMALL));
            String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("b/existing")).uploadId();
            String etag = s3.uploadPart(b -> b.bucket(bucket).key("b/existing").uploadId(uploadId).partNumber(1),
                    RequestBody.fromBytes(OTHER)).eTag();
            String answer = outcome(() -> s3.completeMultipartUpload(b -> b.bucket(bucket).key("b/existing")
                    .uploadId(uploadId).ifNoneMatch("*")
                    .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build()))));
            observe("b CompleteMultipartUpload If-None-Match:* on existing key", store,
                    answer + ", " + contentOf(s3, bucket, "b/existing"));
            abortQuietly(s3, bucket, "b/existing", uploadId);
        }
    }

    // ------------------------------------------------------------------------------------------------ (c)

    @ParameterizedTest
    @EnumSource(Store.class)
    void c_wrongCrc32c_onPutObject_andOnUploadPart(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            String put = outcome(() -> s3.putObject(b -> b.bucket(bucket).key("c/put").checksumCRC32C(crc32c(SMALL)),
                    RequestBody.fromBytes(OTHER)));
            String stored = outcome(() -> s3.headObject(b -> b.bucket(bucket).key("c/put")));
            observe("c PutObject with a wrong x-amz-checksum-crc32c", store,
                    put + ", " + (stored.startsWith("200") ? "object stored" : "nothing stored"));

            String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("c/part")
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32_C)).uploadId();
            String part = outcome(() -> s3.uploadPart(b -> b.bucket(bucket).key("c/part").uploadId(uploadId).partNumber(1)
                    .checksumCRC32C(crc32c(SMALL)), RequestBody.fromBytes(OTHER)));
            observe("c UploadPart with a wrong x-amz-checksum-crc32c", store, part);
            abortQuietly(s3, bucket, "c/part", uploadId);
        }
    }

    // ------------------------------------------------------------------------------------------------ (d), (i)

    @ParameterizedTest
    @EnumSource(Store.class)
    void d_crc32c_reportedByHeadObject_forAPutObject(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            s3.putObject(b -> b.bucket(bucket).key("d/put").checksumCRC32C(crc32c(SMALL)), RequestBody.fromBytes(SMALL));
            HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key("d/put").checksumMode(ChecksumMode.ENABLED));
            observe("d HeadObject of a PutObject sent with CRC32C", store, "crc32c " + same(head.checksumCRC32C(), crc32c(SMALL))
                    + ", type " + head.checksumTypeAsString() + ", etag " + etagForm(head.eTag()));
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void d_fullObjectCrc32c_multipartUpload(Store store) {
        byte[] part1 = random(5 * MIB, 1);
        byte[] part2 = random(1000, 2);
        byte[] whole = concat(part1, part2);
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            String create = outcome(() -> s3.createMultipartUpload(b -> b.bucket(bucket).key("d/full")
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32_C).checksumType(ChecksumType.FULL_OBJECT)));
            observe("d CreateMultipartUpload CRC32C FULL_OBJECT", store, create);
            if (!create.startsWith("200")) {
                return;
            }
            // wrong full-object CRC32C first: is it checked?
            String wrongId = s3.createMultipartUpload(b -> b.bucket(bucket).key("d/full-wrong")
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32_C).checksumType(ChecksumType.FULL_OBJECT)).uploadId();
            List<CompletedPart> wrongParts = uploadParts(s3, bucket, "d/full-wrong", wrongId, part1, part2);
            String wrong = outcome(() -> s3.completeMultipartUpload(b -> b.bucket(bucket).key("d/full-wrong").uploadId(wrongId)
                    .checksumCRC32C(crc32c(SMALL)).checksumType(ChecksumType.FULL_OBJECT)
                    .multipartUpload(m -> m.parts(wrongParts))));
            observe("d CompleteMultipartUpload with a wrong full-object CRC32C", store, wrong);
            abortQuietly(s3, bucket, "d/full-wrong", wrongId);

            String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("d/full")
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32_C).checksumType(ChecksumType.FULL_OBJECT)).uploadId();
            List<CompletedPart> parts = uploadParts(s3, bucket, "d/full", uploadId, part1, part2);
            CompleteMultipartUploadResponse[] done = new CompleteMultipartUploadResponse[1];
            String complete = outcome(() -> done[0] = s3.completeMultipartUpload(b -> b.bucket(bucket).key("d/full")
                    .uploadId(uploadId).checksumCRC32C(crc32c(whole)).checksumType(ChecksumType.FULL_OBJECT)
                    .multipartUpload(m -> m.parts(parts))));
            observe("d CompleteMultipartUpload with the right full-object CRC32C", store, complete
                    + (done[0] == null ? "" : ", answer crc32c " + same(done[0].checksumCRC32C(), crc32c(whole))
                    + ", type " + done[0].checksumTypeAsString()));
            if (done[0] == null) {
                abortQuietly(s3, bucket, "d/full", uploadId);
                return;
            }
            HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key("d/full").checksumMode(ChecksumMode.ENABLED));
            observe("d HeadObject of the FULL_OBJECT multipart object", store, "crc32c "
                    + same(head.checksumCRC32C(), crc32c(whole)) + ", type " + head.checksumTypeAsString() + ", etag "
                    + etagForm(head.eTag()) + ", length " + (head.contentLength() == whole.length ? "right" : head.contentLength()));
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void i_etagOfCompleteMultipartUpload(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("i/mpu")).uploadId();
            List<CompletedPart> parts = uploadParts(s3, bucket, "i/mpu", uploadId, random(5 * MIB, 3), SMALL);
            String etag = s3.completeMultipartUpload(b -> b.bucket(bucket).key("i/mpu").uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts))).eTag();
            String headEtag = s3.headObject(b -> b.bucket(bucket).key("i/mpu")).eTag();
            observe("i ETag answered by CompleteMultipartUpload (2 parts)", store, etagForm(etag)
                    + (etag != null && etag.equals(headEtag) ? ", same as HeadObject" : ", HeadObject " + etagForm(headEtag)));
        }
    }

    /** S3Mock runs with its default max-payload-size (10MB): a part of Chute's default size (16 MiB) still fits. */
    @ParameterizedTest
    @EnumSource(Store.class)
    void k_uploadPart_ofChutesDefaultPartSize(Store store) {
        byte[] part = random(16 * MIB, 4);
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("k/big")).uploadId();
            String answer = outcome(() -> s3.uploadPart(b -> b.bucket(bucket).key("k/big").uploadId(uploadId).partNumber(1)
                    .checksumCRC32C(crc32c(part)), RequestBody.fromBytes(part)));
            String listed = outcome(() -> s3.listParts(b -> b.bucket(bucket).key("k/big").uploadId(uploadId)));
            long size = listed.startsWith("200") ? s3.listParts(b -> b.bucket(bucket).key("k/big").uploadId(uploadId))
                    .parts().stream().mapToLong(p -> p.size()).sum() : -1;
            observe("k UploadPart of 16 MiB (Chute's default part size)", store, answer + ", listed " + size + " bytes");
            abortQuietly(s3, bucket, "k/big", uploadId);
        }
    }

    // ------------------------------------------------------------------------------------------------ (e), (j)

    @ParameterizedTest
    @EnumSource(Store.class)
    void e_afterAbortMultipartUpload(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("e/aborted")).uploadId();
            s3.uploadPart(b -> b.bucket(bucket).key("e/aborted").uploadId(uploadId).partNumber(1), RequestBody.fromBytes(SMALL));
            s3.abortMultipartUpload(b -> b.bucket(bucket).key("e/aborted").uploadId(uploadId));
            observe("e ListParts after AbortMultipartUpload", store,
                    outcome(() -> s3.listParts(b -> b.bucket(bucket).key("e/aborted").uploadId(uploadId))));
            observe("e UploadPart after AbortMultipartUpload", store, outcome(() -> s3.uploadPart(b -> b.bucket(bucket)
                    .key("e/aborted").uploadId(uploadId).partNumber(2), RequestBody.fromBytes(SMALL))));
            observe("e AbortMultipartUpload again", store,
                    outcome(() -> s3.abortMultipartUpload(b -> b.bucket(bucket).key("e/aborted").uploadId(uploadId))));

            String completedId = s3.createMultipartUpload(b -> b.bucket(bucket).key("e/completed")).uploadId();
            List<CompletedPart> parts = uploadParts(s3, bucket, "e/completed", completedId, SMALL);
            s3.completeMultipartUpload(b -> b.bucket(bucket).key("e/completed").uploadId(completedId)
                    .multipartUpload(m -> m.parts(parts)));
            observe("e ListParts after CompleteMultipartUpload", store,
                    outcome(() -> s3.listParts(b -> b.bucket(bucket).key("e/completed").uploadId(completedId))));
            observe("e AbortMultipartUpload after CompleteMultipartUpload", store,
                    outcome(() -> s3.abortMultipartUpload(b -> b.bucket(bucket).key("e/completed").uploadId(completedId))));
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void j_listMultipartUploads_showsUploadsWithInitiatedTimes(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("j/open")).uploadId();
            List<MultipartUpload> listed = s3.listMultipartUploads(b -> b.bucket(bucket).prefix("j/")).uploads();
            String seen = listed.stream().filter(u -> u.uploadId().equals(uploadId)).findFirst()
                    .map(u -> "listed, key " + ("j/open".equals(u.key()) ? "right" : u.key()) + ", initiated "
                            + (u.initiated() == null ? "missing" : "present"))
                    .orElse("not listed (" + listed.size() + " others)");
            observe("j ListMultipartUploads", store, seen);
            abortQuietly(s3, bucket, "j/open", uploadId);
        }
    }

    // ------------------------------------------------------------------------------------------------ (f), (g), (h)

    @ParameterizedTest
    @EnumSource(Store.class)
    void f_tags_onPutObject_andOnCreateMultipartUpload(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            String put = outcome(() -> s3.putObject(b -> b.bucket(bucket).key("f/put").tagging("team=ingest&tier=raw"),
                    RequestBody.fromBytes(SMALL)));
            observe("f PutObject with x-amz-tagging", store, put + (put.startsWith("200") ? ", " + tags(s3, bucket, "f/put") : ""));

            String[] id = new String[1];
            String create = outcome(() -> id[0] = s3.createMultipartUpload(b -> b.bucket(bucket).key("f/mpu")
                    .tagging("team=ingest&tier=raw")).uploadId());
            String result = create;
            if (id[0] != null) {
                List<CompletedPart> parts = uploadParts(s3, bucket, "f/mpu", id[0], SMALL);
                s3.completeMultipartUpload(b -> b.bucket(bucket).key("f/mpu").uploadId(id[0]).multipartUpload(m -> m.parts(parts)));
                result += ", " + tags(s3, bucket, "f/mpu");
            }
            observe("f CreateMultipartUpload with x-amz-tagging", store, result);
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void g_storageClass_standardIa(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            String put = outcome(() -> s3.putObject(b -> b.bucket(bucket).key("g/put").storageClass(StorageClass.STANDARD_IA),
                    RequestBody.fromBytes(SMALL)));
            observe("g PutObject STANDARD_IA", store, put + (put.startsWith("200")
                    ? ", HeadObject says " + s3.headObject(b -> b.bucket(bucket).key("g/put")).storageClassAsString() : ""));
            String mpu = multipart(s3, bucket, "g/mpu", b -> b.storageClass(StorageClass.STANDARD_IA));
            observe("g multipart upload STANDARD_IA", store, mpu + (mpu.startsWith("200")
                    ? ", HeadObject says " + s3.headObject(b -> b.bucket(bucket).key("g/mpu")).storageClassAsString() : ""));
        }
    }

    /** Whether SSE-S3, a public-read ACL and user metadata are kept, not just accepted (the start probe's question). */
    @ParameterizedTest
    @EnumSource(Store.class)
    void m_sseAclAndMetadata_keptOnPutObjectAndOnMultipart(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            String put = outcome(() -> s3.putObject(b -> b.bucket(bucket).key("m/put-sse").serverSideEncryption("AES256"),
                    RequestBody.fromBytes(SMALL)));
            observe("m PutObject SSE AES256", store, put + (put.startsWith("200") ? ", " + sse(s3, bucket, "m/put-sse") : ""));
            String mpu = multipart(s3, bucket, "m/mpu-sse", b -> b.serverSideEncryption("AES256"));
            observe("m multipart upload SSE AES256", store, mpu + (mpu.startsWith("200") ? ", " + sse(s3, bucket, "m/mpu-sse") : ""));

            put = outcome(() -> s3.putObject(b -> b.bucket(bucket).key("m/put-acl").acl("public-read"),
                    RequestBody.fromBytes(SMALL)));
            observe("m PutObject ACL public-read", store, put + (put.startsWith("200") ? ", " + grants(s3, bucket, "m/put-acl") : ""));
            mpu = multipart(s3, bucket, "m/mpu-acl", b -> b.acl("public-read"));
            observe("m multipart upload ACL public-read", store, mpu + (mpu.startsWith("200") ? ", " + grants(s3, bucket, "m/mpu-acl") : ""));

            observe("m PutObject with the other canned ACLs", store, List.of("private", "public-read-write",
                    "authenticated-read", "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control").stream()
                    .map(acl -> acl + " " + outcome(() -> s3.putObject(r -> r.bucket(bucket).key("m/acl-" + acl).acl(acl),
                            RequestBody.fromBytes(SMALL))))
                    .collect(Collectors.joining(", ")));

            mpu = multipart(s3, bucket, "m/mpu-meta", b -> b.metadata(Map.of("origin", "chute")));
            observe("m multipart upload user metadata", store, mpu + (mpu.startsWith("200") ? ", HeadObject "
                    + s3.headObject(b -> b.bucket(bucket).key("m/mpu-meta")).metadata() : ""));
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void h_nonAsciiUserMetadata_rawAndAsAnRfc2047EncodedWord(Store store) {
        try (S3Client s3 = client(store)) {
            String bucket = bucket(store);
            for (String[] variant : new String[][] {{"raw", NON_ASCII}, {"RFC 2047", ENCODED_WORD}}) {
                String key = "h/" + variant[0].replace(' ', '-');
                String put = outcome(() -> s3.putObject(b -> b.bucket(bucket).key(key).metadata(Map.of("name", variant[1])),
                        RequestBody.fromBytes(SMALL)));
                String back = "";
                if (put.startsWith("200")) {
                    String value = s3.headObject(b -> b.bucket(bucket).key(key)).metadata().get("name");
                    back = ", HeadObject " + (NON_ASCII.equals(value) ? "日本.txt"
                            : ENCODED_WORD.equals(value) ? "the encoded word" : describe(value));
                }
                observe("h user metadata " + variant[0] + " 日本.txt", store, put + back);
            }
        }
    }

    /** Session credentials (STS, IRSA, instance roles) add a signed x-amz-security-token header. */
    @ParameterizedTest
    @EnumSource(Store.class)
    void l_sessionCredentials_xAmzSecurityToken(Store store) {
        S3Server server = SharedS3Servers.get(store);
        String bucket = bucket(store);
        try (S3Client s3 = S3Client.builder().endpointOverride(server.endpoint())
                .region(software.amazon.awssdk.regions.Region.of(server.region())).forcePathStyle(true)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsSessionCredentials.create(server.accessKey(),
                                server.secretKey(), "session-token-of-no-real-session")))
                .httpClientBuilder(software.amazon.awssdk.http.apache.ApacheHttpClient.builder())
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry()))
                .build()) {
            observe("l PutObject with session credentials (x-amz-security-token)", store,
                    outcome(() -> s3.putObject(b -> b.bucket(bucket).key("l/token"), RequestBody.fromBytes(SMALL))));
        }
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    @AfterAll
    static void printMatrix() throws IOException {
        StringBuilder md = new StringBuilder("| guarantee | S3Mock | S3Proxy | Ceph RGW |\n|---|---|---|---|\n");
        for (String g : new TreeMap<>(OBSERVED).keySet()) {
            Map<Store, String> row = OBSERVED.get(g);
            md.append("| ").append(g);
            for (Store s : Store.values()) {
                md.append(" | ").append(row.getOrDefault(s, "(not run)"));
            }
            md.append(" |\n");
        }
        System.out.println(md);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("store-compatibility.md"), md);
        }
    }

    private static void observe(String guarantee, Store store, String observation) {
        OBSERVED.computeIfAbsent(guarantee, g -> new ConcurrentHashMap<>()).put(store, observation);
        if (Boolean.getBoolean(RECORD_PROPERTY)) {
            return;
        }
        Map<Store, String> expected = EXPECTED.get(guarantee);
        assertThat(expected).as("no expectation recorded for '%s' (observed on %s: %s)", guarantee, store, observation)
                .isNotNull();
        assertThat(observation).as("%s on %s", guarantee, store).isEqualTo(expected.get(store));
    }

    private static S3Client client(Store store) {
        return SharedS3Servers.get(store).newClient();
    }

    private static String bucket(Store store) {
        return BUCKETS.computeIfAbsent(store, s -> SharedS3Servers.freshBucket(SharedS3Servers.get(s), "compat"));
    }

    /** "200", or "STATUS ErrorCode" of the S3 error, or what the client itself refused. */
    private static String outcome(Supplier<?> call) {
        try {
            call.get();
            return "200";
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            return e.statusCode() + " " + (code == null || code.isEmpty() ? "(no code)" : code);
        } catch (SdkClientException e) {
            return "client error: " + e.getMessage().lines().findFirst().orElse("");
        }
    }

    private static String contentOf(S3Client s3, String bucket, String key) {
        String outcome = outcome(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)));
        if (!outcome.startsWith("200")) {
            return "GET " + outcome;
        }
        byte[] body = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        return java.util.Arrays.equals(body, SMALL) ? "first object kept"
                : java.util.Arrays.equals(body, OTHER) ? "overwritten" : "other content (" + body.length + " bytes)";
    }

    private static String tags(S3Client s3, String bucket, String key) {
        String get = outcome(() -> s3.getObjectTagging(b -> b.bucket(bucket).key(key)));
        if (!get.startsWith("200")) {
            return "GetObjectTagging " + get;
        }
        List<Tag> tags = s3.getObjectTagging(b -> b.bucket(bucket).key(key)).tagSet();
        return tags.isEmpty() ? "no tags kept" : "tags " + tags.stream().map(t -> t.key() + "=" + t.value()).sorted()
                .collect(Collectors.joining("&"));
    }

    private static List<CompletedPart> uploadParts(S3Client s3, String bucket, String key, String uploadId, byte[]... parts) {
        List<CompletedPart> done = new java.util.ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            int n = i + 1;
            byte[] body = parts[i];
            String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(n)
                    .checksumCRC32C(crc32c(body)), RequestBody.fromBytes(body)).eTag();
            done.add(CompletedPart.builder().partNumber(n).eTag(etag).checksumCRC32C(crc32c(body)).build());
        }
        return done;
    }

    /**
     * CreateMultipartUpload with {@code options}, one part, CompleteMultipartUpload: "200", or the outcome of the
     * first refused request (an upload left open is aborted).
     */
    private static String multipart(S3Client s3, String bucket, String key,
                                    java.util.function.Consumer<CreateMultipartUploadRequest.Builder> options) {
        String[] id = new String[1];
        String create = outcome(() -> {
            CreateMultipartUploadRequest.Builder b = CreateMultipartUploadRequest.builder().bucket(bucket).key(key);
            options.accept(b);
            return id[0] = s3.createMultipartUpload(b.build()).uploadId();
        });
        if (id[0] == null) {
            return create;
        }
        String complete = outcome(() -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id[0])
                .multipartUpload(m -> m.parts(uploadParts(s3, bucket, key, id[0], SMALL)))));
        if (!complete.startsWith("200")) {
            abortQuietly(s3, bucket, key, id[0]);
        }
        return complete;
    }

    private static String sse(S3Client s3, String bucket, String key) {
        String sse = s3.headObject(b -> b.bucket(bucket).key(key)).serverSideEncryptionAsString();
        return "HeadObject says " + (sse == null ? "no SSE" : sse);
    }

    /** GetObjectAcl's grants, group grantees by name, the canonical user as "owner", sorted. */
    private static String grants(S3Client s3, String bucket, String key) {
        String get = outcome(() -> s3.getObjectAcl(b -> b.bucket(bucket).key(key)));
        if (!get.startsWith("200")) {
            return "GetObjectAcl " + get;
        }
        return "grants " + s3.getObjectAcl(b -> b.bucket(bucket).key(key)).grants().stream()
                .map(g -> (g.grantee().uri() == null ? "owner" : g.grantee().uri().substring(g.grantee().uri()
                        .lastIndexOf('/') + 1)) + " " + g.permissionAsString())
                .sorted().collect(Collectors.joining(", "));
    }

    private static void abortQuietly(S3Client s3, String bucket, String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (RuntimeException ignored) {
            // completed or already gone
        }
    }

    /** The shape of an ETag: md5 hex, md5 hex with -N (multipart), empty or missing; quotes kept visible. */
    private static String etagForm(String etag) {
        if (etag == null) {
            return "missing";
        }
        String q = etag.startsWith("\"") && etag.endsWith("\"") && etag.length() >= 2 ? "quoted " : "unquoted ";
        String bare = etag.replace("\"", "");
        if (bare.isEmpty()) {
            return "empty (" + etag.length() + " chars: " + etag + ")";
        }
        if (bare.matches("[0-9a-f]{32}")) {
            return q + "md5";
        }
        if (bare.matches("[0-9a-f]{32}-\\d+")) {
            return q + "md5-" + bare.substring(33);
        }
        return q + "other: " + etag;
    }

    private static String same(String actual, String expected) {
        return actual == null ? "missing" : actual.equals(expected) ? "right" : "WRONG " + actual;
    }

    private static String describe(String value) {
        if (value == null) {
            return "no value";
        }
        return "'" + value + "' (" + value.chars().mapToObj(c -> c < 128 ? String.valueOf((char) c) : String.format("\\u%04x", c))
                .collect(Collectors.joining()) + ")";
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
    }

    static String crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
