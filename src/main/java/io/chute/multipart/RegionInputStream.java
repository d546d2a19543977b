package io.chute.multipart;

import io.chute.faults.CrashPoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Streams one byte range of a file with positional reads, so several parts of one file can be read at once
 * from a shared channel without copying the part into memory. Not thread-safe itself; one per request body.
 *
 * <p>The HTTP client reads request bodies 4 KiB at a time; each of those would be one {@code pread} (plus the
 * JDK's copy through a temporary direct buffer), about 260,000 system calls per GiB. The stream therefore reads
 * the file {@value #CHUNK_BYTES} bytes at a time into a buffer of its own and serves small reads from it; a read
 * at least that large goes to the file directly.
 */
final class RegionInputStream extends InputStream {

    /** Bytes read from the file at once: 32 small reads of the HTTP client per system call. */
    static final int CHUNK_BYTES = 128 * 1024;

    private final FileChannel channel;
    private final long end;
    private final long middle;
    /** The next file position to read from the channel. */
    private long filePosition;
    /** Read from the file, not yet handed out: between {@code chunk.position()} and {@code chunk.limit()}. */
    private ByteBuffer chunk;
    /** The file position of the next byte handed out; crossing {@link #middle} is the crash point. */
    private long delivered;

    RegionInputStream(FileChannel channel, long offset, long length) {
        this.channel = channel;
        this.filePosition = offset;
        this.delivered = offset;
        this.end = offset + length;
        this.middle = offset + length / 2;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int buffered = chunk == null ? 0 : chunk.remaining();
        if (buffered == 0 && filePosition >= end) {
            return -1;
        }
        int read;
        if (buffered > 0) {
            read = Math.min(len, buffered);
            chunk.get(b, off, read);
        } else if (len >= CHUNK_BYTES) {
            read = readFile(ByteBuffer.wrap(b, off, (int) Math.min(len, end - filePosition)));
        } else {
            fillChunk();
            read = Math.min(len, chunk.remaining());
            chunk.get(b, off, read);
        }
        delivered += read;
        if (delivered >= middle && delivered - read < middle) {
            CrashPoint.MID_PART.reached();
        }
        return read;
    }

    private void fillChunk() throws IOException {
        if (chunk == null) {
            chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, end - filePosition));
        }
        chunk.clear().limit((int) Math.min(chunk.capacity(), end - filePosition));
        readFile(chunk);
        chunk.flip();
    }

    /** One positional read into {@code target} (at most what is left of the range); at least one byte. */
    private int readFile(ByteBuffer target) throws IOException {
        int read = channel.read(target, filePosition);
        if (read < 0) {
            throw new SourceChangedException("file shrank while part was sent (at byte " + filePosition + ")");
        }
        filePosition += read;
        return read;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, (chunk == null ? 0 : chunk.remaining()) + end - filePosition);
    }
}
