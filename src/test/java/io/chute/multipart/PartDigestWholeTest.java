package io.chute.multipart;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A small body read once: its digest is the streaming digest of the same bytes, and the bytes are the file's. */
class PartDigestWholeTest {

    @TempDir
    Path tmp;

    @Test
    void ofWhole_digestsTheBytesItReturns_asTheStreamingDigestDoes() throws Exception {
        for (int size : new int[] {0, 1, 65_536, PartDigest.WHOLE_BODY_MAX_BYTES}) {
            byte[] content = new byte[size];
            new Random(size).nextBytes(content);
            Path file = Files.write(tmp.resolve("f" + size), content);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                PartDigest.Whole whole = PartDigest.ofWhole(ch, size, true);
                PartDigest streamed = PartDigest.of(ch, 0, size, true);

                assertThat(whole.bytes()).isEqualTo(content);
                assertThat(whole.digest().crc32cBase64()).isEqualTo(streamed.crc32cBase64());
                assertThat(whole.digest().md5Base64()).isEqualTo(streamed.md5Base64());
                assertThat(PartDigest.ofWhole(ch, size, false).digest().md5()).isNull();
            }
        }
    }

    @Test
    void ofWhole_refusesAFileShorterThanPlanned_andSizesAboveItsLimit() throws Exception {
        Path file = Files.write(tmp.resolve("short"), new byte[10]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> PartDigest.ofWhole(ch, 11, false)).isInstanceOf(SourceChangedException.class);
            assertThatThrownBy(() -> PartDigest.ofWhole(ch, PartDigest.WHOLE_BODY_MAX_BYTES + 1, false))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
