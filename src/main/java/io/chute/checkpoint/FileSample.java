package io.chute.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Base64;
import java.util.zip.CRC32C;

/**
 * CRC32C of a file's first and last MiB: a cheap content fingerprint that, with size, mtime and file key,
 * binds a sidecar to the file it was written for (a file rewritten with the same size and a restored mtime
 * still differs here).
 */
public final class FileSample {

    private static final int SAMPLE_BYTES = 1024 * 1024;

    private FileSample() {
    }

    /**
     * The sample of an opened file. Sources are opened through their rule's folder, without following links, so
     * that the sample cannot be read from outside it. The caller closes the channel.
     */
    public static String crc32cOf(FileChannel ch) throws IOException {
        long size = ch.size();
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocate(SAMPLE_BYTES);
        update(crc, ch, buffer, 0, Math.min(SAMPLE_BYTES, size));
        long tailStart = Math.max(SAMPLE_BYTES, size - SAMPLE_BYTES);
        update(crc, ch, buffer, tailStart, size - tailStart);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static void update(CRC32C crc, FileChannel ch, ByteBuffer buffer, long offset, long length)
            throws IOException {
        long position = offset;
        while (position < offset + length) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), offset + length - position));
            int read = ch.read(buffer, position);
            if (read < 0) {
                return;
            }
            crc.update(buffer.array(), 0, read);
            position += read;
        }
    }
}
