package io.chute.multipart;

import org.junit.jupiter.api.Test;

import static io.chute.multipart.PartPlan.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartPlanTest {

    @Test
    void plan_smallFile_usesDefaultPartSizeAndOnePart() {
        PartPlan plan = PartPlan.of(1, 0, 10_000);
        assertThat(plan.partSizeInBytes()).isEqualTo(PartPlan.DEFAULT_PART_BYTES);
        assertThat(plan.partCount()).isEqualTo(1);
        assertThat(plan.lengthOf(1)).isEqualTo(1);
    }

    @Test
    void plan_exactMultipleOfPartSize_hasNoEmptyTrailingPart() {
        PartPlan plan = PartPlan.of(10 * MIB, 5 * MIB, 10_000);
        assertThat(plan.partCount()).isEqualTo(2);
        assertThat(plan.lengthOf(2)).isEqualTo(5 * MIB);
    }

    @Test
    void plan_oneByteOverPartSize_addsOneBytePart() {
        PartPlan plan = PartPlan.of(5 * MIB + 1, 5 * MIB, 10_000);
        assertThat(plan.partCount()).isEqualTo(2);
        assertThat(plan.offsetOf(2)).isEqualTo(5 * MIB);
        assertThat(plan.lengthOf(2)).isEqualTo(1);
    }

    @Test
    void plan_configuredSizeBelowMinimum_isRaisedToFiveMib() {
        assertThat(PartPlan.of(100 * MIB, MIB, 10_000).partSizeInBytes()).isEqualTo(5 * MIB);
    }

    @Test
    void plan_configuredSizeTooSmallForPartCap_isRaisedToWholeMibAndReportsIt() {
        long size = 100_000 * MIB + 1; // needs > 10 MiB parts at 10,000 parts
        PartPlan plan = PartPlan.of(size, 8 * MIB, 10_000);
        assertThat(plan.partSizeInBytes() % MIB).isZero();
        assertThat(plan.partCount()).isLessThanOrEqualTo(10_000);
        assertThat(plan.partSizeInBytes()).isEqualTo(11 * MIB);
        assertThat(plan.raisedFrom(8 * MIB)).isTrue();
    }

    @Test
    void plan_lowerPartCapForS3Clones_isHonoured() {
        PartPlan plan = PartPlan.of(1000 * MIB, 5 * MIB, 100);
        assertThat(plan.partCount()).isLessThanOrEqualTo(100);
        assertThat(plan.partSizeInBytes()).isEqualTo(10 * MIB);
    }

    @Test
    void plan_largestObject_fitsTenThousandPartsOfAtMostFiveGib() {
        long size = 48_828L * 1024 * MIB; // about 48.8 TiB
        PartPlan plan = PartPlan.of(size, 0, 10_000);
        assertThat(plan.partCount()).isLessThanOrEqualTo(10_000);
        assertThat(plan.partSizeInBytes()).isLessThanOrEqualTo(PartPlan.MAX_PART_BYTES);
        assertThat(plan.offsetOf(plan.partCount()) + plan.lengthOf(plan.partCount())).isEqualTo(size);
    }

    @Test
    void plan_sparseMultiTebibyteFile_coversItWithinTheCaps(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path sparse = tmp.resolve("sparse.bin");
        long size = 12L * 1024 * 1024 * MIB; // 12 TiB, no blocks allocated
        try (var raf = new java.io.RandomAccessFile(sparse.toFile(), "rw")) {
            raf.setLength(size);
        } catch (java.io.IOException tooLargeForThisFileSystem) {
            org.junit.jupiter.api.Assumptions.abort("file system refuses a 12 TiB sparse file: " + tooLargeForThisFileSystem);
        }
        PartPlan plan = PartPlan.of(java.nio.file.Files.size(sparse), 0, 10_000);
        assertThat(plan.partCount()).isLessThanOrEqualTo(10_000);
        assertThat(plan.partSizeInBytes() % MIB).isZero();
        assertThat(plan.offsetOf(plan.partCount()) + plan.lengthOf(plan.partCount())).isEqualTo(size);
    }

    @Test
    void plan_fileTooLargeForFiveGibParts_isRefused() {
        assertThatThrownBy(() -> PartPlan.of(5 * 1024 * MIB * 10_001L, 0, 10_000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 GiB");
    }

    @Test
    void plan_partsCoverEveryByteExactlyOnce() {
        long size = 123 * MIB + 4567;
        PartPlan plan = PartPlan.of(size, 7 * MIB, 10_000);
        long covered = 0;
        for (int n = 1; n <= plan.partCount(); n++) {
            assertThat(plan.offsetOf(n)).isEqualTo(covered);
            assertThat(plan.lengthOf(n)).isPositive();
            covered += plan.lengthOf(n);
        }
        assertThat(covered).isEqualTo(size);
    }
}
