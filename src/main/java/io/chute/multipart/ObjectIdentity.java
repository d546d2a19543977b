package io.chute.multipart;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Whether an object another writer stored under a no-overwrite key is this file, without relying on Chute's own
 * checksum (aws CLI, rclone and most SDKs store no CRC32C, or one of other parts). In order, each step only when
 * the previous could not decide:
 * <ol>
 *   <li>sizes differ: different;</li>
 *   <li>the CRC32C or MD5 ETag of Chute's own part plan ({@link ObjectVerifier#existing}): same;</li>
 *   <li>a single-part object's CRC32C (no "-N" on it or the ETag) that differs from the file's: different;</li>
 *   <li>a single-part ETag (32 hex digits, no '-') equal to the file's MD5: same;</li>
 *   <li>a multipart ETag "md5-of-md5s-N" recomputed for the part sizes that cut the file into exactly N parts
 *       (Chute's, and the common 5, 8, 15, 16, 32, 64 and 100 MiB): same;</li>
 *   <li>a streamed read-back compared byte by byte with the file, for objects of at most {@link #READ_BACK_LIMIT}
 *       bytes: same, or different at the first differing byte;</li>
 *   <li>otherwise unproven, which a no-overwrite rule treats as a conflict, saying so.</li>
 * </ol>
 * An ETag that does not match proves nothing (SSE-KMS and SSE-C ETags are not MD5s, other part sizes); only a
 * size, a whole-object CRC32C or the bytes themselves prove a difference.
 */
final class ObjectIdentity {

    /** Largest object compared by reading it back. */
    static final long READ_BACK_LIMIT = 1024L * 1024 * 1024;

    private static final long MIB = 1024L * 1024;
    /** Part sizes of common clients: rclone and boto (5, 8 MiB), aws CLI (8), others (15, 16, 32, 64, 100). */
    static final List<Long> COMMON_PART_SIZES = List.of(8 * MIB, 5 * MIB, 16 * MIB, 15 * MIB, 32 * MIB, 64 * MIB,
            100 * MIB);
    private static final int BUFFER_BYTES = 256 * 1024;

    /** What the comparison found. */
    sealed interface Verdict {
        /** The stored object is this file; {@code proof} says how it was shown. */
        record Same(ObjectProof proof) implements Verdict {
        }

        /** Shown to differ. */
        record Different(String why) implements Verdict {
        }

        /** Neither shown (object above {@link #READ_BACK_LIMIT}, ETags of unknown form). */
        record Unproven(String why) implements Verdict {
        }
    }

    private final S3Client s3;
    private final ObjectVerifier verifier;
    private final long readBackLimit;

    ObjectIdentity(S3Client s3, ObjectVerifier verifier, long readBackLimit) {
        this.s3 = s3;
        this.verifier = verifier;
        this.readBackLimit = readBackLimit;
    }

    Verdict compare(ObjectRequest request, FileChannel channel, PartPlan chutePlan, HeadObjectResponse head)
            throws IOException {
        String bucket = request.bucket();
        String key = request.key();
        long size = request.identity().sizeInBytes();
        if (head.contentLength() == null || head.contentLength() != size) {
            return new Verdict.Different("stored size " + head.contentLength() + ", file size " + size);
        }
        Optional<ObjectProof> ours = verifier.existing(request, channel, chutePlan, head);
        if (ours.isPresent()) {
            return new Verdict.Same(ours.get());
        }
        String etag = ObjectVerifier.unquote(head.eTag());
        String crc = head.checksumCRC32C();
        if (crc != null && !crc.contains("-") && etag != null && !etag.contains("-")) {
            return new Verdict.Different("stored whole-object CRC32C " + crc + " differs from the file's");
        }
        if (etag != null && etag.matches("[0-9a-fA-F]{32}")) {
            if (etag.equalsIgnoreCase(md5Hex(channel, 0, size))) {
                return new Verdict.Same(new ObjectProof(bucket, key, size, etag, null, "md5-etag"));
            }
        } else if (etag != null && etag.matches("[0-9a-fA-F]{32}-\\d+")) {
            int parts = Integer.parseInt(etag.substring(33));
            for (long partSize : partSizesFor(size, parts, chutePlan.partSizeInBytes())) {
                if (etag.equalsIgnoreCase(multipartEtag(channel, size, partSize))) {
                    return new Verdict.Same(new ObjectProof(bucket, key, size, etag, null,
                            "multipart-etag-" + partSize / MIB + "MiB"));
                }
            }
        }
        if (size > readBackLimit) {
            return new Verdict.Unproven("could not prove identity: same size " + size + " bytes, ETag " + etag
                    + " matches no part size tried, and the object is above the read-back limit of "
                    + readBackLimit + " bytes");
        }
        long differsAt = firstDifference(request, channel, size);
        return differsAt < 0
                ? new Verdict.Same(new ObjectProof(bucket, key, size, etag, null, "read-back"))
                : new Verdict.Different("stored bytes differ from the file's at offset " + differsAt);
    }

    /** Part sizes (Chute's first, then the common ones) that cut {@code size} bytes into exactly {@code parts}. */
    static List<Long> partSizesFor(long size, int parts, long chutePartSize) {
        Set<Long> candidates = new LinkedHashSet<>();
        candidates.add(chutePartSize);
        candidates.addAll(COMMON_PART_SIZES);
        List<Long> fitting = new ArrayList<>();
        for (long partSize : candidates) {
            if (partSize > 0 && (size + partSize - 1) / partSize == parts) {
                fitting.add(partSize);
            }
        }
        return fitting;
    }

    private static String multipartEtag(FileChannel channel, long size, long partSize) throws IOException {
        MessageDigest ofParts = md5();
        int count = 0;
        for (long offset = 0; offset < size || count == 0; offset += partSize) {
            ofParts.update(HexFormat.of().parseHex(md5Hex(channel, offset, Math.min(partSize, size - offset))));
            count++;
        }
        return HexFormat.of().formatHex(ofParts.digest()) + "-" + count;
    }

    private static String md5Hex(FileChannel channel, long offset, long length) throws IOException {
        MessageDigest md5 = md5();
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(BUFFER_BYTES, Math.max(length, 1)));
        long position = offset;
        while (position < offset + length) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), offset + length - position));
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new SourceChangedException("file ended at byte " + position + ", expected " + (offset + length));
            }
            md5.update(buffer.array(), 0, read);
            position += read;
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    /** Streams the object and the file side by side: the first differing offset, or -1 when equal. */
    private long firstDifference(ObjectRequest request, FileChannel channel, long size) throws IOException {
        try (ResponseInputStream<GetObjectResponse> body = s3.getObject(b -> b.bucket(request.bucket())
                .key(request.key()).expectedBucketOwner(request.options().expectedBucketOwner()))) {
            byte[] stored = new byte[BUFFER_BYTES];
            ByteBuffer file = ByteBuffer.allocate(BUFFER_BYTES);
            long position = 0;
            while (true) {
                int n = readFully(body, stored);
                if (n == 0) {
                    return position == size ? -1 : position;
                }
                file.clear().limit((int) Math.min(n, Math.max(0, size - position)));
                int have = 0;
                while (file.hasRemaining()) {
                    int read = channel.read(file, position + have);
                    if (read < 0) {
                        break;
                    }
                    have += read;
                }
                for (int i = 0; i < n; i++) {
                    if (i >= have || stored[i] != file.array()[i]) {
                        return position + i;
                    }
                }
                position += n;
            }
        }
    }

    private static int readFully(InputStream in, byte[] buffer) throws IOException {
        int total = 0;
        while (total < buffer.length) {
            int n = in.read(buffer, total, buffer.length - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides MD5", e);
        }
    }
}
