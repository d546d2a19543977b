package io.chute.throttle;

import io.chute.config.BandwidthSchedule;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.time.LocalTime;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which rate of a daily timetable is in force at a given local time of day. */
class BandwidthScheduleTest {

    static final long M = 1024 * 1024;

    private static BandwidthSchedule timetable(String entries) {
        return BandwidthSchedule.from(TestConfig.of(Map.of("chute.daemon", "false",
                "chute.upload.bandwidth-schedule", entries)).upload());
    }

    @Test
    void rateInForce_isThatOfTheLatestEntryAtOrBeforeTheTime() {
        BandwidthSchedule s = timetable("08:00,10M 12:30,2M 19:00,off");

        assertThat(s.bytesPerSecondAt(LocalTime.of(8, 0))).isEqualTo(10 * M);
        assertThat(s.bytesPerSecondAt(LocalTime.of(12, 29, 59))).isEqualTo(10 * M);
        assertThat(s.bytesPerSecondAt(LocalTime.of(12, 30))).isEqualTo(2 * M);
        assertThat(s.bytesPerSecondAt(LocalTime.of(18, 59))).isEqualTo(2 * M);
        assertThat(s.bytesPerSecondAt(LocalTime.of(19, 0))).isZero();
        assertThat(s.bytesPerSecondAt(LocalTime.of(23, 59, 59))).isZero();
    }

    @Test
    void beforeTheFirstEntry_theLastEntryOfTheDayStillApplies_wrappingAroundMidnight() {
        BandwidthSchedule s = timetable("08:00,10M 23:00,1M");

        assertThat(s.bytesPerSecondAt(LocalTime.MIDNIGHT)).isEqualTo(M);
        assertThat(s.bytesPerSecondAt(LocalTime.of(7, 59, 59))).isEqualTo(M);
        assertThat(s.bytesPerSecondAt(LocalTime.of(8, 0))).isEqualTo(10 * M);
    }

    @Test
    void aSingleEntry_appliesAllDay() {
        BandwidthSchedule s = timetable("13:00,5M");

        assertThat(s.bytesPerSecondAt(LocalTime.of(1, 0))).isEqualTo(5 * M);
        assertThat(s.bytesPerSecondAt(LocalTime.of(13, 0))).isEqualTo(5 * M);
        assertThat(s.bytesPerSecondAt(LocalTime.of(22, 0))).isEqualTo(5 * M);
    }

    @Test
    void alwaysUnlimited_onlyWhenEveryEntryIsOff() {
        assertThat(timetable("08:00,off 19:00,off").alwaysUnlimited()).isTrue();
        assertThat(timetable("08:00,off 19:00,1M").alwaysUnlimited()).isFalse();
        assertThat(BandwidthSchedule.constant(BandwidthSchedule.UNLIMITED).alwaysUnlimited()).isTrue();
    }
}
