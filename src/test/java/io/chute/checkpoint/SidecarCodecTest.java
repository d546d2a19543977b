package io.chute.checkpoint;

import io.chute.multipart.CompletedPart;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SidecarCodecTest {

    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final SidecarHeader HEADER = new SidecarHeader(1, 41_943_040L, 1_700_000_000_000L,
            "(dev=803,ino=1234)", "AAAAAA==", "http://127.0.0.1:9090", "bucket", "incoming/big.bin",
            "upload-1", 16_777_216L, "CRC32C", "2026-11-22T10:00:00Z");
    static final CompletedPart PART_1 = new CompletedPart(1, 16_777_216L, "etag-1", "crc1AA==", "md5-1");
    static final CompletedPart PART_2 = new CompletedPart(2, 16_777_216L, "etag-2", "crc2AA==", "md5-2");

    private final SidecarCodec codec = new SidecarCodec(KEY);

    private byte[] sidecar(CompletedPart... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(codec.encodeHeader(HEADER));
        for (CompletedPart p : parts) {
            out.writeBytes(codec.encodePart(HEADER.uploadId(), p));
        }
        return out.toByteArray();
    }

    @Test
    void decode_roundTripsHeaderAndParts() throws Exception {
        Checkpoint cp = codec.decode(sidecar(PART_1, PART_2));
        assertThat(cp.header()).isEqualTo(HEADER);
        assertThat(cp.parts()).containsEntry(1, PART_1).containsEntry(2, PART_2).hasSize(2);
    }

    @Test
    void decode_roundTripsAPartSentWithoutMd5() throws Exception {
        CompletedPart noMd5 = new CompletedPart(3, 5L, "etag-3", "crc3AA==", null);
        assertThat(codec.decode(sidecar(PART_1, noMd5)).parts()).containsEntry(3, noMd5);
    }

    @Test
    void decode_matchesGoldenVersion1File() throws Exception {
        byte[] golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/sidecar-v1.upload_state")) {
            golden = in.readAllBytes();
        }
        assertThat(new String(sidecar(PART_1, PART_2), StandardCharsets.UTF_8))
                .as("the v1 on-disk format is frozen; a change needs a new version")
                .isEqualTo(new String(golden, StandardCharsets.UTF_8));
        assertThat(codec.decode(golden).parts()).hasSize(2);
    }

    @Test
    void decode_readsAVersion1FileWrittenBeforeTheMagicLine() throws Exception {
        byte[] golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/sidecar-v1-without-magic.upload_state")) {
            golden = in.readAllBytes();
        }
        assertThat(codec.decode(golden).parts()).hasSize(2);
        assertThat(codec.headerVerifies(golden)).isTrue();
    }

    @Test
    void encode_startsWithTheMagicLine_andOnlyTheInstallationKeyVerifiesIt() {
        byte[] content = sidecar(PART_1);
        assertThat(new String(content, StandardCharsets.UTF_8)).startsWith(SidecarCodec.MAGIC_LINE + "\n");
        assertThat(codec.headerVerifies(content)).isTrue();
        byte[] otherKey = new byte[32];
        otherKey[0] = 1;
        assertThat(new SidecarCodec(otherKey).headerVerifies(content)).isFalse();
        assertThat(codec.headerVerifies((SidecarCodec.MAGIC_LINE + "\n{\"version\":1} 00\n")
                .getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void decode_malformedUploadIdUnderAValidMac_isCorrupt() {
        SidecarHeader bad = new SidecarHeader(1, 1, 1, "k", "s", "e", "b", "key", "up\nforged", 5, "CRC32C", "t");
        assertThatThrownBy(() -> codec.decode(codec.encodeHeader(bad)))
                .isInstanceOf(CorruptSidecarException.class).hasMessageContaining("malformed upload id");
    }

    @Test
    void sizeBound_holdsAFullJournalOfTenThousandParts() {
        CompletedPart widest = new CompletedPart(10_000, 5L << 30, "\"" + "f".repeat(32) + "-10000\"",
                "AAAAAA==", "1B2M2Y8AsgTpgAmY7PhCfg==");
        long line = codec.encodePart("x".repeat(200), widest).length;
        long header = sidecar().length;
        assertThat(header + 10_000 * line).isLessThan(SidecarStore.MAX_SIDECAR_BYTES / 2);
    }

    @Test
    void decode_tornTailWithoutNewline_isIgnored() throws Exception {
        byte[] full = sidecar(PART_1, PART_2);
        byte[] torn = Arrays.copyOf(full, full.length - 20);
        assertThat(codec.decode(torn).parts()).containsOnlyKeys(1);
    }

    @Test
    void decode_lastLineWithBadMac_isTreatedAsTornAndIgnored() throws Exception {
        String text = new String(sidecar(PART_1, PART_2), StandardCharsets.UTF_8);
        String damaged = text.substring(0, text.length() - 3) + "00\n";
        assertThat(codec.decode(damaged.getBytes(StandardCharsets.UTF_8)).parts()).containsOnlyKeys(1);
    }

    @Test
    void decode_damagedMiddleLine_isCorrupt() {
        String text = new String(sidecar(PART_1, PART_2), StandardCharsets.UTF_8);
        String damaged = text.replaceFirst("etag-1", "etag-X");
        assertThatThrownBy(() -> codec.decode(damaged.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptSidecarException.class).hasMessageContaining("journal line 2");
    }

    @Test
    void decode_empty_isCorrupt() {
        assertThatThrownBy(() -> codec.decode(new byte[0])).isInstanceOf(CorruptSidecarException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void decode_garbage_isCorrupt() {
        assertThatThrownBy(() -> codec.decode("not a sidecar\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptSidecarException.class);
    }

    @Test
    void decode_signedByAnotherInstallation_isRefusedAsForged() {
        byte[] other = new SidecarCodec("ffffffffffffffffffffffffffffffff".getBytes(StandardCharsets.US_ASCII))
                .encodeHeader(HEADER);
        assertThatThrownBy(() -> codec.decode(other)).isInstanceOf(CorruptSidecarException.class)
                .hasMessageContaining("MAC");
    }

    @Test
    void decode_unknownVersion_isRefusedClearly() {
        SidecarHeader v2 = new SidecarHeader(2, 1, 1, "k", "s", "e", "b", "k", "u", 5, "CRC32C", "t");
        assertThatThrownBy(() -> codec.decode(codec.encodeHeader(v2)))
                .isInstanceOf(CorruptSidecarException.class).hasMessageContaining("unknown sidecar version 2");
    }

    @Test
    void decode_partLineFromAnotherUpload_isRejected() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(codec.encodeHeader(HEADER));
        out.writeBytes(codec.encodePart("another-upload", PART_1));
        out.writeBytes(codec.encodePart(HEADER.uploadId(), PART_2));
        assertThatThrownBy(() -> codec.decode(out.toByteArray())).isInstanceOf(CorruptSidecarException.class);
    }

    /** Regenerates the golden file; run by hand only when introducing a new format version. */
    public static void main(String[] args) throws IOException {
        java.nio.file.Files.write(java.nio.file.Path.of(args[0]), new SidecarCodecTest().sidecar(PART_1, PART_2));
    }
}
