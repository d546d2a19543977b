package io.chute.multipart;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the files and parts limits start and how far they may grow: ceilings from the connection pool and the
 * byte budget unless configured, explicit values as ceilings (adaptive) or fixed numbers (not), never more
 * requests than connections.
 */
class FlowLimitsTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void defaults_startAtEight_partsUpToTheBudgetInParts_filesUpToTheRestOfThePool() {
        FlowLimits limits = FlowLimits.of(Optional.empty(), Optional.empty(), true, 64, 256 * MIB, 16 * MIB);
        assertThat(limits).isEqualTo(new FlowLimits(8, 48, 8, 16));
    }

    @Test
    void partsCeiling_isAtMostHalfThePool_evenWithAHugeBudget() {
        FlowLimits limits = FlowLimits.of(Optional.empty(), Optional.empty(), true, 20, 1024 * 1024 * MIB, 16 * MIB);
        assertThat(limits.partsMax()).isEqualTo(10);
        assertThat(limits.filesMax()).isEqualTo(10);
    }

    @Test
    void configuredNumbers_areCeilings_whenAdaptive_andStartNoHigherThanThem() {
        FlowLimits limits = FlowLimits.of(Optional.of(4), Optional.of(32), true, 64, 256 * MIB, 16 * MIB);
        assertThat(limits).isEqualTo(new FlowLimits(4, 4, 8, 32));
    }

    @Test
    void configuredNumbers_areFixed_whenNotAdaptive_andDefaultToTheStartingPoint() {
        assertThat(FlowLimits.of(Optional.of(6), Optional.of(10), false, 64, 256 * MIB, 16 * MIB))
                .isEqualTo(new FlowLimits(6, 6, 10, 10));
        assertThat(FlowLimits.of(Optional.empty(), Optional.empty(), false, 64, 256 * MIB, 16 * MIB))
                .isEqualTo(new FlowLimits(8, 8, 8, 8));
    }

    @Test
    void noLimitExceedsThePool_whereAFurtherRequestWouldOnlyWaitForAConnection() {
        FlowLimits limits = FlowLimits.of(Optional.of(500), Optional.of(300), true, 32, 256 * MIB, 16 * MIB);
        assertThat(limits.filesMax()).isEqualTo(32);
        assertThat(limits.partsMax()).isEqualTo(32);
    }

    @Test
    void aSmallPool_stillAllowsOneFileAndOnePart() {
        assertThat(FlowLimits.of(Optional.empty(), Optional.empty(), true, 1, 256 * MIB, 16 * MIB))
                .isEqualTo(new FlowLimits(1, 1, 1, 1));
    }
}
