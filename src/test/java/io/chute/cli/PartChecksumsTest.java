package io.chute.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.Part;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartChecksumsTest {

    @TempDir
    Path tmp;

    @Test
    void algorithmNames_acceptTheFourCompositeOnes_inAnySpelling_andRefuseOthersNamingTheAccepted() {
        assertThat(PartChecksums.algorithm("crc32c")).isEqualTo(ChecksumAlgorithm.CRC32_C);
        assertThat(PartChecksums.algorithm("CRC-32C")).isEqualTo(ChecksumAlgorithm.CRC32_C);
        assertThat(PartChecksums.algorithm("sha256")).isEqualTo(ChecksumAlgorithm.SHA256);
        assertThat(PartChecksums.header(ChecksumAlgorithm.CRC32_C)).isEqualTo("x-amz-checksum-crc32c");
        assertThat(PartChecksums.header(ChecksumAlgorithm.SHA1)).isEqualTo("x-amz-checksum-sha1");
        assertThatThrownBy(() -> PartChecksums.algorithm("CRC64NVME")).isInstanceOf(CliFailure.class)
                .hasMessageContaining("not one of CRC32C, CRC32, SHA1, SHA256");
    }

    @Test
    void read_listsEveryMalformedLineAtOnce_withItsLineNumber() throws Exception {
        Path file = Files.writeString(tmp.resolve("sums"), "# part checksums\nAAAAAA==\nnot base64!\n\nAAAAAAAA\n");

        assertThatThrownBy(() -> PartChecksums.read(file.toString(), ChecksumAlgorithm.CRC32_C, 3))
                .isInstanceOf(CliFailure.class)
                .hasMessageContaining("line 3: 'not base64!' is not base64")
                .hasMessageContaining("line 5: 'AAAAAAAA' decodes to 6 bytes, a CRC32C checksum has 4")
                .satisfies(e -> assertThat(((CliFailure) e).exitCode()).isEqualTo(2));
    }

    @Test
    void read_refusesACountOtherThanThePlansParts_andReturnsTheValuesInOrderOtherwise() throws Exception {
        Path file = Files.writeString(tmp.resolve("sums"), "AAAAAA==\n  AQIDBA==  \n");

        assertThatThrownBy(() -> PartChecksums.read(file.toString(), ChecksumAlgorithm.CRC32_C, 3))
                .hasMessageContaining("holds 2 checksum(s); the upload has 3 part(s)");
        assertThat(PartChecksums.read(file.toString(), ChecksumAlgorithm.CRC32_C, 2))
                .containsExactly("AAAAAA==", "AQIDBA==");
    }

    @Test
    void completed_carriesTheChecksumListPartsReported_andNoneWhenItReportedNone() {
        Part withCrc = Part.builder().partNumber(2).eTag("\"e\"").checksumCRC32C("AQIDBA==").build();
        Part plain = Part.builder().partNumber(3).eTag("\"f\"").build();

        assertThat(PartChecksums.completed(withCrc).checksumCRC32C()).isEqualTo("AQIDBA==");
        assertThat(PartChecksums.completed(withCrc).partNumber()).isEqualTo(2);
        assertThat(PartChecksums.completed(plain).checksumCRC32C()).isNull();
        assertThat(PartChecksums.completed(plain).eTag()).isEqualTo("\"f\"");
    }
}
