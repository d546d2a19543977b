package io.chute.multipart;

import io.chute.faults.CrashPoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Streams one byte range of a file with positional reads, so several parts of one file can be read at once
 * from a shared channel without copying the part into memory. Not thread-safe itself; one per request body.
 */
final class RegionInputStream extends InputStream {

    private final FileChannel channel;
    private final long end;
    private final long middle;
    private long position;

    RegionInputStream(FileChannel channel, long offset, long length) {
        this.channel = channel;
        this.position = offset;
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
        if (position >= end) {
            return -1;
        }
        int wanted = (int) Math.min(len, end - position);
        int read = channel.read(ByteBuffer.wrap(b, off, wanted), position);
        if (read < 0) {
            throw new SourceChangedException("file shrank while part was sent (at byte " + position + ")");
        }
        position += read;
        if (position >= middle && position - read < middle) {
            CrashPoint.MID_PART.reached();
        }
        return read;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, end - position);
    }
}
