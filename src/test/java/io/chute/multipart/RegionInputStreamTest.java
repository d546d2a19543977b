package io.chute.multipart;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegionInputStreamTest {

    @TempDir
    Path dir;

    @Test
    void readsExactlyItsRangeWhateverTheReadSizes() throws IOException {
        byte[] content = randomBytes(3 * RegionInputStream.CHUNK_BYTES + 12_345);
        Path file = write(content);
        long offset = 1_000;
        int length = 2 * RegionInputStream.CHUNK_BYTES + 777;
        try (FileChannel channel = FileChannel.open(file)) {
            RegionInputStream in = new RegionInputStream(channel, offset, length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int[] sizes = {1, 4096, RegionInputStream.CHUNK_BYTES + 5, 3, 60_000};
            byte[] buffer = new byte[RegionInputStream.CHUNK_BYTES + 5];
            int round = 0;
            int read;
            while ((read = in.read(buffer, 0, sizes[round++ % sizes.length])) >= 0) {
                out.write(buffer, 0, read);
            }
            assertThat(out.toByteArray()).isEqualTo(Arrays.copyOfRange(content, (int) offset, (int) offset + length));
            assertThat(in.read()).isEqualTo(-1);
            assertThat(in.available()).isZero();
        }
    }

    @Test
    void smallReadsOfTheHttpClientCostOneFileReadPerChunk() throws IOException {
        byte[] content = randomBytes(8 * RegionInputStream.CHUNK_BYTES);
        Path file = write(content);
        try (FileChannel real = FileChannel.open(file); CountingChannel channel = new CountingChannel(real)) {
            InputStream in = new RegionInputStream(channel, 0, content.length);
            byte[] buffer = new byte[4096];
            long total = 0;
            int read;
            while ((read = in.read(buffer, 0, buffer.length)) >= 0) {
                total += read;
            }
            assertThat(total).isEqualTo(content.length);
            assertThat(channel.positionalReads).isEqualTo(8);
        }
    }

    @Test
    void aFileThatShrinksUnderTheStreamIsRefused() throws IOException {
        byte[] content = randomBytes(2 * RegionInputStream.CHUNK_BYTES);
        Path file = write(content);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            InputStream in = new RegionInputStream(channel, 0, content.length);
            in.readNBytes(4096);
            try (FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE)) {
                writer.truncate(RegionInputStream.CHUNK_BYTES);
            }
            in.readNBytes(RegionInputStream.CHUNK_BYTES - 4096);
            assertThatThrownBy(() -> in.read(new byte[4096], 0, 4096))
                    .isInstanceOf(SourceChangedException.class)
                    .hasMessageContaining("file shrank");
        }
    }

    private Path write(byte[] content) throws IOException {
        return Files.write(dir.resolve("source.bin"), content);
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    /** A real channel that counts the positional reads asked of it; everything else is passed on as it is. */
    private static final class CountingChannel extends FileChannel {
        private final FileChannel delegate;
        int positionalReads;

        CountingChannel(FileChannel delegate) {
            this.delegate = delegate;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            positionalReads++;
            return delegate.read(dst, position);
        }

        @Override public int read(ByteBuffer dst) throws IOException { return delegate.read(dst); }
        @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return delegate.read(dsts, offset, length); }
        @Override public int write(ByteBuffer src) throws IOException { return delegate.write(src); }
        @Override public long write(ByteBuffer[] srcs, int offset, int length) throws IOException { return delegate.write(srcs, offset, length); }
        @Override public long position() throws IOException { return delegate.position(); }
        @Override public FileChannel position(long newPosition) throws IOException { delegate.position(newPosition); return this; }
        @Override public long size() throws IOException { return delegate.size(); }
        @Override public FileChannel truncate(long size) throws IOException { delegate.truncate(size); return this; }
        @Override public void force(boolean metaData) throws IOException { delegate.force(metaData); }
        @Override public long transferTo(long position, long count, WritableByteChannel target) throws IOException { return delegate.transferTo(position, count, target); }
        @Override public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException { return delegate.transferFrom(src, position, count); }
        @Override public int write(ByteBuffer src, long position) throws IOException { return delegate.write(src, position); }
        @Override public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException { return delegate.map(mode, position, size); }
        @Override public FileLock lock(long position, long size, boolean shared) throws IOException { return delegate.lock(position, size, shared); }
        @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException { return delegate.tryLock(position, size, shared); }
        @Override protected void implCloseChannel() throws IOException { delegate.close(); }
    }
}
