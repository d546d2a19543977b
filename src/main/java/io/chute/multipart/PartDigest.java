package io.chute.multipart;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * CRC32C and MD5 of one byte range, computed with the JDK in a single streaming pass. CRC32C goes to S3 as
 * {@code x-amz-checksum-crc32c}, MD5 as {@code Content-MD5}; together they let Chute verify the object on
 * stores that keep either. {@code md5} is null when it was not computed: for a bucket whose endpoint was shown
 * to check and report CRC32C, MD5 (about 60 times the CPU of hardware CRC32C) adds nothing.
 */
public record PartDigest(byte[] crc32c, byte[] md5) {

    private static final int BUFFER_BYTES = 256 * 1024;

    /** Reads {@code length} bytes at {@code offset} and digests them (CRC32C and MD5). */
    public static PartDigest of(FileChannel channel, long offset, long length) throws IOException {
        return of(channel, offset, length, true);
    }

    /** As {@link #of(FileChannel, long, long)}, with MD5 only when {@code withMd5}. */
    public static PartDigest of(FileChannel channel, long offset, long length, boolean withMd5) throws IOException {
        CRC32C crc = new CRC32C();
        MessageDigest md5 = withMd5 ? newMd5() : null;
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(BUFFER_BYTES, Math.max(length, 1)));
        long position = offset;
        long end = offset + length;
        while (position < end) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new SourceChangedException("file ended at byte " + position + ", expected " + end);
            }
            crc.update(buffer.array(), 0, read);
            if (md5 != null) {
                md5.update(buffer.array(), 0, read);
            }
            position += read;
        }
        return new PartDigest(intBytes((int) crc.getValue()), md5 == null ? null : md5.digest());
    }

    /** Bodies up to this size are read once, digested, and sent from memory ({@link #ofWhole}). */
    public static final int WHOLE_BODY_MAX_BYTES = BUFFER_BYTES;

    /** A digest together with the very bytes it was computed over. */
    public record Whole(PartDigest digest, byte[] bytes) {
    }

    /**
     * Reads {@code length} bytes ({@code <=} {@link #WHOLE_BODY_MAX_BYTES}) from the start of the channel into one
     * array and digests them, as {@link #of(FileChannel, long, long, boolean)} would: the caller sends exactly the
     * bytes whose checksum it sends, with no second read of the file.
     */
    public static Whole ofWhole(FileChannel channel, int length, boolean withMd5) throws IOException {
        if (length < 0 || length > WHOLE_BODY_MAX_BYTES) {
            throw new IllegalArgumentException("length " + length + " outside 0.." + WHOLE_BODY_MAX_BYTES);
        }
        byte[] bytes = new byte[length];
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, buffer.position()) < 0) {
                throw new SourceChangedException("file ended at byte " + buffer.position() + ", expected " + length);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        byte[] md5 = null;
        if (withMd5) {
            MessageDigest digest = newMd5();
            digest.update(bytes, 0, length);
            md5 = digest.digest();
        }
        return new Whole(new PartDigest(intBytes((int) crc.getValue()), md5), bytes);
    }

    public String crc32cBase64() {
        return Base64.getEncoder().encodeToString(crc32c);
    }

    /** Null when MD5 was not computed (then no {@code Content-MD5} is sent). */
    public String md5Base64() {
        return md5 == null ? null : Base64.getEncoder().encodeToString(md5);
    }

    /** Null when MD5 was not computed. */
    public String md5Hex() {
        return md5 == null ? null : HexFormat.of().formatHex(md5);
    }

    /** The CRC32C value S3 reports for a COMPOSITE multipart object: crc32c(part crcs) + "-" + count. */
    public static String compositeCrc32c(List<byte[]> partCrcs) {
        CRC32C crc = new CRC32C();
        partCrcs.forEach(crc::update);
        return Base64.getEncoder().encodeToString(intBytes((int) crc.getValue())) + "-" + partCrcs.size();
    }

    /** The ETag S3 reports for a multipart object: hex(md5(part md5s)) + "-" + count; null if a part has no MD5. */
    public static String multipartEtag(List<byte[]> partMd5s) {
        if (partMd5s.contains(null)) {
            return null;
        }
        MessageDigest md5 = newMd5();
        partMd5s.forEach(md5::update);
        return HexFormat.of().formatHex(md5.digest()) + "-" + partMd5s.size();
    }

    static byte[] intBytes(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    private static MessageDigest newMd5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides MD5", e);
        }
    }
}
