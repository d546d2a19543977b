package io.chute.multipart;

import io.chute.testing.SettableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decisions of {@link AimdLimit} under a hand-moved clock: halve on overload once per cool-down, floor 1,
 * ceiling the configured maximum, grow while throughput grows or while below the best window's limit, hold when
 * more concurrency brought no more throughput, and back off when per-byte latency doubles.
 */
class AimdLimitTest {

    private static final long MIB = 1024 * 1024;
    private static final Duration TOOK = Duration.ofMillis(100);

    private final SettableClock clock = SettableClock.at("2026-11-23T00:00:00Z");

    /** A limit that starts at its maximum and has left slow start (the additive rules under test). */
    private AimdLimit limit(int max) {
        return limit(max, max);
    }

    private AimdLimit limit(int initial, int max) {
        return new AimdLimit(new AimdLimit.Settings(initial, max, Duration.ofSeconds(2), Duration.ofSeconds(1), 0.05,
                2.0, 3, 10), clock);
    }

    /**
     * One window at the current limit in which senders waited for permits: {@code 2 × limit} (at least 4) sends
     * of {@code bytes} each taking {@code took}, spread over just over a second, so throughput is proportional to
     * {@code bytes}.
     */
    private void window(AimdLimit limit, long bytes, Duration took) {
        limit.limitReached();
        int samples = Math.max(4, 2 * limit.limit());
        for (int i = 0; i < samples - 1; i++) {
            limit.succeeded(bytes, took);
        }
        clock.advance(Duration.ofSeconds(1));
        limit.succeeded(bytes, took);
    }

    /** One window moving {@code totalBytes} in just over a second, whatever the limit (flat throughput). */
    private void windowOfTotal(AimdLimit limit, long totalBytes, Duration took) {
        window(limit, totalBytes / Math.max(4, 2 * limit.limit()), took);
    }

    @Test
    void startsAtItsStartingPoint_withinOneAndTheCeiling() {
        assertThat(limit(8, 64).limit()).isEqualTo(8);
        assertThat(limit(100, 64).limit()).isEqualTo(64);
        assertThat(limit(0, 64).limit()).isEqualTo(1);
    }

    @Test
    void slowStart_doublesPerWindowWhileThroughputGrows_upToTheCeiling() {
        AimdLimit limit = limit(4, 48);
        Duration rtt = Duration.ofMillis(80);
        int expected = 4;
        for (int expectedNext : new int[] {8, 16, 32, 48, 48}) {
            assertThat(limit.limit()).isEqualTo(expected);
            windowOfFixedLatency(limit, 64 * 1024, rtt);
            expected = expectedNext;
        }
        assertThat(limit.limit()).as("never above the ceiling").isEqualTo(48);
    }

    @Test
    void underAFixedAddedLatency_theLimitGrowsUntilTheLinkIsFull_thenHolds() {
        AimdLimit limit = limit(2, 64);
        // each send waits out 40 ms of path; the link carries at most 12 sends' worth at a time
        for (int i = 0; i < 12; i++) {
            windowOfFixedLatency(limit, 64 * 1024, Duration.ofMillis(40), 12);
        }
        assertThat(limit.limit()).as("grew from 2 while throughput did, then only probes by one now and then")
                .isGreaterThanOrEqualTo(12).isLessThanOrEqualTo(40);
    }

    @Test
    void slowStart_endsAtTheFirstWindowWithoutMoreThroughput() {
        AimdLimit limit = limit(4, 64);
        windowOfTotal(limit, 40 * MIB, TOOK);
        assertThat(limit.limit()).as("no earlier window: double").isEqualTo(8);
        windowOfTotal(limit, 40 * MIB, TOOK);
        assertThat(limit.limit()).as("flat: slow start ends, the limit holds").isEqualTo(8);
        windowOfTotal(limit, 40 * MIB * 2, TOOK);
        assertThat(limit.limit()).as("after slow start, growth is by one").isEqualTo(9);
    }

    @Test
    void windowsInWhichNobodyWaitedForAPermit_neverGrowTheLimit() {
        AimdLimit limit = limit(4, 64);
        for (long total = 10 * MIB; total < 100 * MIB; total *= 2) {
            for (int i = 0; i < 7; i++) {
                limit.succeeded(total / 8, TOOK);
            }
            clock.advance(Duration.ofSeconds(1));
            limit.succeeded(total / 8, TOOK);
        }
        assertThat(limit.limit()).as("the senders, not the limit, set the pace").isEqualTo(4);
    }

    @Test
    void slowDown_duringSlowStart_halvesAndEndsSlowStart() {
        AimdLimit limit = limit(8, 64);
        windowOfFixedLatency(limit, 64 * 1024, Duration.ofMillis(40));
        assertThat(limit.limit()).isEqualTo(16);

        assertThat(limit.overloaded()).isTrue();
        assertThat(limit.limit()).isEqualTo(8);
        windowOfFixedLatency(limit, 64 * 1024, Duration.ofMillis(40));
        assertThat(limit.limit()).as("after a decrease it grows by one per window at most, never doubles")
                .isBetween(8, 9);
    }

    /**
     * One window of sends that each take {@code rtt} whatever the concurrency (a long path, nothing queues):
     * {@code limit} sends in flight complete {@code limit} sends per round trip.
     */
    private void windowOfFixedLatency(AimdLimit limit, long bytes, Duration rtt) {
        windowOfFixedLatency(limit, bytes, rtt, Integer.MAX_VALUE);
    }

    /** As above on a link that carries at most {@code linkSends} sends per round trip: more only queue. */
    private void windowOfFixedLatency(AimdLimit limit, long bytes, Duration rtt, int linkSends) {
        int inFlight = limit.limit();
        int perRound = Math.min(inFlight, linkSends);
        Duration took = rtt.multipliedBy(inFlight).dividedBy(perRound);
        limit.limitReached();
        int rounds = 0;
        for (int sent = 0; sent < Math.max(4, inFlight) || rounds * rtt.toMillis() < 1000; sent += perRound) {
            clock.advance(rtt);
            rounds++;
            for (int i = 0; i < perRound; i++) {
                limit.succeeded(bytes, took);
            }
        }
    }

    @Test
    void overload_halvesTheLimit_atMostOncePerCoolDown() {
        AimdLimit limit = limit(8);

        assertThat(limit.overloaded()).isTrue();
        assertThat(limit.limit()).isEqualTo(4);
        clock.advance(Duration.ofMillis(1999));
        assertThat(limit.overloaded()).isFalse();
        assertThat(limit.limit()).as("one burst of 503s is one decrease").isEqualTo(4);

        clock.advance(Duration.ofMillis(1));
        assertThat(limit.overloaded()).isTrue();
        assertThat(limit.limit()).isEqualTo(2);
    }

    @Test
    void overload_neverTakesTheLimitBelowOne() {
        AimdLimit limit = limit(3);
        for (int i = 0; i < 5; i++) {
            limit.overloaded();
            clock.advance(Duration.ofSeconds(3));
        }
        assertThat(limit.limit()).isEqualTo(1);
    }

    @Test
    void risingThroughput_growsTheLimitByOnePerWindow_upToTheConfiguredMaximumAndNoFurther() {
        AimdLimit limit = limit(6);
        limit.overloaded();
        clock.advance(Duration.ofSeconds(3));
        assertThat(limit.limit()).isEqualTo(3);

        window(limit, MIB, TOOK);
        assertThat(limit.limit()).as("no earlier window to compare with").isEqualTo(4);
        window(limit, 2 * MIB, TOOK);
        assertThat(limit.limit()).isEqualTo(5);
        window(limit, 3 * MIB, TOOK);
        assertThat(limit.limit()).isEqualTo(6);
        window(limit, 4 * MIB, TOOK);
        window(limit, 5 * MIB, TOOK);
        assertThat(limit.limit()).as("never above the configured maximum").isEqualTo(6);
    }

    @Test
    void aWindowThatIsNotYetClosed_changesNothing() {
        AimdLimit limit = limit(8);
        limit.overloaded();
        for (int i = 0; i < 100; i++) {
            limit.succeeded(MIB, TOOK);
        }
        assertThat(limit.limit()).as("a window also lasts at least a second").isEqualTo(4);
    }

    @Test
    void flatThroughput_afterAnIncrease_holdsTheLimit() {
        AimdLimit limit = limit(8);
        limit.overloaded();
        windowOfTotal(limit, 40 * MIB, TOOK);
        assertThat(limit.limit()).isEqualTo(5);

        windowOfTotal(limit, 40 * MIB, TOOK);
        assertThat(limit.limit()).as("the fifth sender brought no more throughput").isEqualTo(5);
        windowOfTotal(limit, 40 * MIB, TOOK);
        assertThat(limit.limit()).isEqualTo(5);
    }

    @Test
    void holdingForProbeAfterWindows_triesOneMore() {
        AimdLimit limit = limit(8);
        limit.overloaded();
        windowOfTotal(limit, 40 * MIB, TOOK);
        windowOfTotal(limit, 40 * MIB, TOOK);
        windowOfTotal(limit, 40 * MIB, TOOK);
        assertThat(limit.limit()).isEqualTo(5);

        windowOfTotal(limit, 40 * MIB, TOOK);
        assertThat(limit.limit()).as("third hold in a row probes").isEqualTo(6);
    }

    @Test
    void belowTheLimitThroughputPeakedAt_growsBackWithoutNeedingMoreThroughput() {
        AimdLimit limit = limit(8);
        window(limit, MIB, TOOK);
        limit.overloaded();
        assertThat(limit.limit()).isEqualTo(4);

        for (int expected = 5; expected <= 8; expected++) {
            windowOfTotal(limit, 8 * MIB, TOOK); // flat, and half of what the limit of 8 moved
            assertThat(limit.limit()).isEqualTo(expected);
        }
    }

    @Test
    void perByteLatencyOverTwiceTheBestRecentWindow_halvesTheLimit() {
        AimdLimit limit = limit(8);
        window(limit, MIB, TOOK);
        window(limit, MIB, TOOK.multipliedBy(2));
        assertThat(limit.limit()).as("exactly twice is not yet a marked rise").isEqualTo(8);

        window(limit, MIB, TOOK.multipliedBy(3));
        assertThat(limit.limit()).isEqualTo(4);
    }

    @Test
    void latencyBaseline_ignoresWindowsAtLowerLimits_whereEachSendGetsMoreBandwidth() {
        AimdLimit limit = limit(8);
        limit.overloaded();
        window(limit, MIB, TOOK);
        assertThat(limit.limit()).isEqualTo(5);

        window(limit, MIB, TOOK.multipliedBy(3));
        assertThat(limit.limit()).as("slower sends at a higher limit are no latency rise").isGreaterThanOrEqualTo(5);
    }

    @Test
    void withoutTheLatencyRule_slowerWindowsAreNoOverload() {
        AimdLimit limit = new AimdLimit(new AimdLimit.Settings(8, 8, Duration.ofSeconds(2), Duration.ofSeconds(1), 0.05,
                2.0, 3, 10).ignoringLatency(), clock);
        window(limit, MIB, TOOK);
        window(limit, MIB, TOOK.multipliedBy(10));
        assertThat(limit.limit()).isEqualTo(8);
    }

    @Test
    void fixedGate_ignoresOverloadAndSamples() {
        AdaptiveGate gate = AdaptiveGate.of(4, false, clock);
        gate.overloaded();
        gate.succeeded(MIB, TOOK);
        assertThat(gate.limit()).isEqualTo(4);
    }
}
