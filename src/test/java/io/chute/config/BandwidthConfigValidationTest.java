package io.chute.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.source.yaml.YamlConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code chute.upload.bandwidth} and {@code chute.upload.bandwidth-schedule}: what is accepted, what each rate
 * means in bytes per second, and that every bad value or entry is reported under its property path.
 */
class BandwidthConfigValidationTest {

    static final long K = 1024;
    static final long M = K * K;

    @TempDir
    Path tmp;

    private Map<String, String> valid() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("chute.state-dir", tmp.resolve("state").toString());
        p.put("chute.rules[0].name", "inbox");
        p.put("chute.rules[0].path", Files.createDirectories(tmp.resolve("inbox")).toString());
        p.put("chute.rules[0].bucket", "my-bucket");
        return p;
    }

    private List<String> validateWith(String bandwidth, String schedule) throws Exception {
        Map<String, String> p = valid();
        if (bandwidth != null) {
            p.put("chute.upload.bandwidth", bandwidth);
        }
        if (schedule != null) {
            p.put("chute.upload.bandwidth-schedule", schedule);
        }
        return ConfigValidatorTest.validate(p);
    }

    private BandwidthSchedule scheduleOf(String bandwidth, String schedule) throws Exception {
        Map<String, String> p = valid();
        if (bandwidth != null) {
            p.put("chute.upload.bandwidth", bandwidth);
        }
        if (schedule != null) {
            p.put("chute.upload.bandwidth-schedule", schedule);
        }
        return BandwidthSchedule.from(io.chute.testing.TestConfig.of(p).upload());
    }

    @Test
    void bandwidth_isOffByDefault() throws Exception {
        assertThat(validateWith(null, null)).isEmpty();
        assertThat(scheduleOf(null, null).alwaysUnlimited()).isTrue();
    }

    @Test
    void bandwidth_usesMemorySizeSuffixes_inPowersOf1024_caseInsensitive() throws Exception {
        assertThat(validateWith("10M", null)).isEmpty();
        assertThat(scheduleOf("10M", null).bytesPerSecondAt(LocalTime.NOON)).isEqualTo(10 * M);
        assertThat(scheduleOf("512k", null).bytesPerSecondAt(LocalTime.NOON)).isEqualTo(512 * K);
        assertThat(scheduleOf("1G", null).bytesPerSecondAt(LocalTime.NOON)).isEqualTo(K * M);
        assertThat(scheduleOf("2048", null).bytesPerSecondAt(LocalTime.NOON)).isEqualTo(2048);
        assertThat(scheduleOf("OFF", null).alwaysUnlimited()).isTrue();
    }

    @Test
    void bandwidthOff_unquotedInYaml_whichYamlReadsAsFalse_meansNoCap() throws Exception {
        Path yaml = tmp.resolve("chute.yaml");
        Files.writeString(yaml, "chute:\n  daemon: false\n  upload:\n    bandwidth: off\n");
        ChuteConfig config = new SmallRyeConfigBuilder()
                .withSources(new YamlConfigSource(yaml.toUri().toURL(), 100))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withMapping(ChuteConfig.class).build().getConfigMapping(ChuteConfig.class);

        assertThat(ConfigValidator.validate(config)).isEmpty();
        assertThat(BandwidthSchedule.from(config.upload()).alwaysUnlimited()).isTrue();
    }

    @Test
    void bandwidth_badRate_isReportedUnderItsProperty() throws Exception {
        assertThat(validateWith("10 MB/s", null)).singleElement().asString()
                .startsWith("chute.upload.bandwidth: ").contains("bad rate '10 MB/s'");
        assertThat(validateWith("-5M", null)).singleElement().asString()
                .startsWith("chute.upload.bandwidth: ").contains("bad rate");
    }

    @Test
    void bandwidth_belowOneKibibytePerSecond_isRefused_pointingToOff() throws Exception {
        assertThat(validateWith("1023", null)).singleElement().asString()
                .startsWith("chute.upload.bandwidth: ").contains("below the minimum of 1K").contains("use off");
        assertThat(validateWith("0", null)).singleElement().asString().contains("below the minimum");
        assertThat(validateWith("1K", null)).isEmpty();
    }

    @Test
    void bandwidth_aboveOneTebibytePerSecond_isRefused() throws Exception {
        assertThat(validateWith("2T", null)).singleElement().asString()
                .startsWith("chute.upload.bandwidth: ").contains("above the maximum");
    }

    @Test
    void schedule_overridesBandwidth_andEntriesMayComeInAnyOrder() throws Exception {
        BandwidthSchedule s = scheduleOf("1M", "19:00,off 08:00,10M");

        assertThat(s.bytesPerSecondAt(LocalTime.of(12, 0))).isEqualTo(10 * M);
        assertThat(s.bytesPerSecondAt(LocalTime.of(20, 0))).isZero();
        assertThat(s.slots()).extracting(BandwidthSchedule.Slot::start)
                .containsExactly(LocalTime.of(8, 0), LocalTime.of(19, 0));
    }

    @Test
    void schedule_blank_leavesTheConstantBandwidth() throws Exception {
        assertThat(scheduleOf("2M", " ").bytesPerSecondAt(LocalTime.NOON)).isEqualTo(2 * M);
    }

    @Test
    void schedule_reportsEveryBadEntry_eachSayingWhatIsWrong() throws Exception {
        List<String> errors = validateWith(null, "08:00,10M 25:00,1M 8:00,1M 12:60,1M 08:00,2M 13:00,fast 14:00,512 15:00");

        assertThat(errors).hasSize(7).allSatisfy(e -> assertThat(e).startsWith("chute.upload.bandwidth-schedule: "));
        assertThat(errors).anySatisfy(e -> assertThat(e).contains("'25:00,1M'").contains("bad time '25:00'"))
                .anySatisfy(e -> assertThat(e).contains("'8:00,1M'").contains("bad time"))
                .anySatisfy(e -> assertThat(e).contains("'12:60,1M'").contains("bad time"))
                .anySatisfy(e -> assertThat(e).contains("'08:00,2M'").contains("duplicate time 08:00"))
                .anySatisfy(e -> assertThat(e).contains("'13:00,fast'").contains("bad rate 'fast'"))
                .anySatisfy(e -> assertThat(e).contains("'14:00,512'").contains("below the minimum"))
                .anySatisfy(e -> assertThat(e).contains("'15:00'").contains("not HH:MM,rate"));
    }

    @Test
    void badBandwidthAndBadSchedule_areBothReported() throws Exception {
        assertThat(validateWith("fast", "08:00,slow")).hasSize(2)
                .anySatisfy(e -> assertThat(e).startsWith("chute.upload.bandwidth: "))
                .anySatisfy(e -> assertThat(e).startsWith("chute.upload.bandwidth-schedule: "));
    }

    @Test
    void from_invalidSettings_throwsNamingTheProblem() throws Exception {
        Map<String, String> p = valid();
        p.put("chute.upload.bandwidth", "fast");
        ChuteConfig config = io.chute.testing.TestConfig.of(p);

        assertThatThrownBy(() -> BandwidthSchedule.from(config.upload()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chute.upload.bandwidth: ");
    }
}
