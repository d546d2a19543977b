package io.chute.multipart;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

class Crc32cCombineTest {

    private static long crc(byte[] data, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(data, from, to - from);
        return c.getValue();
    }

    @Test
    void combine_ofTwoRanges_equalsTheCrcOfTheirConcatenation() {
        Random random = new Random(1);
        for (int trial = 0; trial < 200; trial++) {
            byte[] data = new byte[1 + random.nextInt(5000)];
            random.nextBytes(data);
            int cut = random.nextInt(data.length + 1);
            long combined = Crc32cCombine.combine(crc(data, 0, cut), crc(data, cut, data.length), data.length - cut);
            assertThat(combined).as("trial %d, cut %d of %d", trial, cut, data.length).isEqualTo(crc(data, 0, data.length));
        }
    }

    @Test
    void fullObjectCrc32c_ofManyParts_equalsTheWholeFileCrc() {
        Random random = new Random(2);
        byte[] data = new byte[1_000_003];
        random.nextBytes(data);
        List<CompletedPart> parts = new ArrayList<>();
        int partSize = 65_536;
        for (int off = 0, n = 1; off < data.length; off += partSize, n++) {
            int end = Math.min(data.length, off + partSize);
            byte[] crc = PartDigest.intBytes((int) crc(data, off, end));
            parts.add(new CompletedPart(n, end - off, "etag", Base64.getEncoder().encodeToString(crc), ""));
        }
        String whole = Base64.getEncoder().encodeToString(PartDigest.intBytes((int) crc(data, 0, data.length)));
        assertThat(Crc32cCombine.fullObjectCrc32c(parts)).isEqualTo(whole);
    }
}
