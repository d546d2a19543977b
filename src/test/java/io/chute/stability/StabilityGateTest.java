package io.chute.stability;

import io.chute.config.DropRule;
import io.chute.testing.SettableClock;
import io.chute.testing.TestRules;
import io.chute.watch.FileSeen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The gate on real files with a hand-driven clock: what makes a file stable, and what never does. */
class StabilityGateTest {

    @TempDir
    Path folder;

    private final SettableClock clock = SettableClock.at("2026-11-23T10:00:00Z");
    private final List<StableFile> handedOver = new ArrayList<>();
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final AtomicInteger notStabilizing = new AtomicInteger();
    private final StabilityGate gate = new StabilityGate(clock, f -> accepting.get() && handedOver.add(f),
            new StabilityGate.Listener() {
                @Override
                public void notStabilizing(DropRule rule) {
                    notStabilizing.incrementAndGet();
                }
            });

    /** The ticker's look at the files whose quiet period has ended, at {@code instant}. */
    private void dueLookAt(Instant instant) {
        clock.set(instant);
        gate.tickDue();
    }

    private void advance(Duration d) {
        clock.advance(d);
        gate.tick();
    }

    private DropRule rule(Duration quiet) {
        TestRules t = TestRules.in(folder);
        t.quietPeriod = quiet;
        t.maxStabilize = Duration.ofMinutes(10);
        return t.build();
    }

    @Test
    void fullGate_refusesFurtherFiles_untilItIsUnderHalfFullAgain() throws Exception {
        StabilityGate small = new StabilityGate(clock, f -> accepting.get() && handedOver.add(f), f -> { },
                new StabilityGate.Listener() {
                }, 4);
        DropRule rule = rule(Duration.ofSeconds(1));
        List<Boolean> tracked = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            tracked.add(small.track(new FileSeen(rule, Files.writeString(folder.resolve("f" + i), "x"))));
        }

        assertThat(tracked).containsExactly(true, true, true, true, false, false, false, false, false, false);
        assertThat(small.trackedCount()).isEqualTo(4);
        assertThat(small.hasRoom()).isFalse();
        assertThat(small.track(new FileSeen(rule, folder.resolve("f0")))).as("a tracked file stays tracked").isTrue();

        clock.advance(Duration.ofSeconds(2));
        small.tick();
        clock.advance(Duration.ofSeconds(2));
        small.tick();
        assertThat(handedOver).hasSize(4);
        assertThat(small.hasRoom()).isTrue();
    }

    @Test
    void trackedFileThatVanishes_isDroppedAndItsHolderTold() throws Exception {
        List<Path> dropped = new ArrayList<>();
        StabilityGate withHolder = new StabilityGate(clock, f -> false, f -> dropped.add(f.path()),
                new StabilityGate.Listener() {
                }, 10);
        DropRule rule = rule(Duration.ofSeconds(1));
        Path file = Files.writeString(folder.resolve("short-lived"), "x");
        withHolder.track(new FileSeen(rule, file));
        withHolder.tick();
        Files.delete(file);
        withHolder.tick();

        assertThat(dropped).containsExactly(file);
        assertThat(withHolder.trackedCount()).isZero();
    }

    @Test
    void copiedFileWithAnOldMtime_isStableOnlyAfterTheQuietPeriodOnChutesClock() throws Exception {
        DropRule rule = rule(Duration.ofSeconds(5));
        Path file = Files.writeString(folder.resolve("old.dat"), "copied");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        gate.track(new FileSeen(rule, file));
        advance(Duration.ZERO);
        advance(Duration.ofSeconds(4));
        assertThat(handedOver).isEmpty();
        advance(Duration.ofSeconds(1));
        assertThat(handedOver).extracting(StableFile::path).containsExactly(file);
    }

    @Test
    void aChangeRestartsTheQuietPeriod() throws Exception {
        DropRule rule = rule(Duration.ofSeconds(5));
        Path file = Files.writeString(folder.resolve("growing.dat"), "a");
        gate.track(new FileSeen(rule, file));
        advance(Duration.ZERO);
        advance(Duration.ofSeconds(4));
        Files.writeString(file, "ab");
        advance(Duration.ofSeconds(1));
        advance(Duration.ofSeconds(4));
        assertThat(handedOver).isEmpty();
        advance(Duration.ofSeconds(1));
        assertThat(handedOver).hasSize(1);
        assertThat(handedOver.get(0).identity().sizeInBytes()).isEqualTo(2);
    }

    @Test
    void refusedHandOff_keepsTheFileTracked_andOffersItAgain() throws Exception {
        DropRule rule = rule(Duration.ZERO);
        Path file = Files.writeString(folder.resolve("a.dat"), "a");
        accepting.set(false);
        gate.track(new FileSeen(rule, file));
        advance(Duration.ZERO);
        advance(Duration.ofSeconds(1));
        assertThat(gate.trackedCount()).isEqualTo(1);
        accepting.set(true);
        advance(Duration.ofSeconds(1));
        assertThat(handedOver).hasSize(1);
        assertThat(gate.trackedCount()).isZero();
    }

    @Test
    void markerMode_waitsForTheMarker_notForTheQuietPeriod() throws Exception {
        TestRules t = TestRules.in(folder);
        t.quietPeriod = Duration.ofHours(1);
        t.marker = ".ready";
        DropRule rule = t.build();
        Path file = Files.writeString(folder.resolve("scan.tif"), "pixels");
        gate.track(new FileSeen(rule, file));
        advance(Duration.ZERO);
        advance(Duration.ofMinutes(5));
        assertThat(handedOver).isEmpty();
        assertThat(gate.waiting()).singleElement().extracting(StabilityGate.Waiting::reason).asString()
                .contains("waiting for marker scan.tif.ready");
        Files.writeString(folder.resolve("scan.tif.ready"), "");
        advance(Duration.ofMillis(250));
        assertThat(handedOver).extracting(StableFile::path).containsExactly(file);
    }

    @Test
    void fileThatNeverSettles_isReportedOnceAfterMaxStabilize_andStaysTracked() throws Exception {
        DropRule rule = rule(Duration.ofSeconds(30));
        Path file = folder.resolve("instrument.log");
        gate.track(new FileSeen(rule, Files.writeString(file, "0")));
        for (int minute = 1; minute <= 15; minute++) {
            Files.writeString(file, "x".repeat(minute + 1));
            advance(Duration.ofMinutes(1));
        }
        assertThat(handedOver).isEmpty();
        assertThat(notStabilizing).hasValue(1);
        assertThat(gate.overdueCount()).isEqualTo(1);
        assertThat(gate.waiting()).singleElement().extracting(StabilityGate.Waiting::reason).asString()
                .startsWith("not stable after max-stabilize PT10M");
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void fifoIsDroppedWithoutEverBeingOpened() throws Exception {
        DropRule rule = rule(Duration.ZERO);
        Path fifo = folder.resolve("pipe.dat");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        gate.track(new FileSeen(rule, fifo));
        advance(Duration.ZERO); // would block forever if the gate opened the FIFO
        advance(Duration.ofSeconds(1));
        assertThat(handedOver).isEmpty();
        assertThat(gate.trackedCount()).isZero();
    }

    private DropRule renameRule() {
        TestRules t = TestRules.in(folder);
        t.quietPeriod = Duration.ofSeconds(5);
        t.maxStabilize = Duration.ofMinutes(10);
        t.stability = io.chute.config.ChuteConfig.Stability.RENAME;
        return t.build();
    }

    @Test
    void renameMode_handsAFileOverAtTheFirstTickThatSeesIt_withoutWaitingForTheQuietPeriod() throws Exception {
        Path file = Files.writeString(folder.resolve("renamed-into-place.bin"), "complete");
        gate.track(new FileSeen(renameRule(), file));

        advance(Duration.ofMillis(250));

        assertThat(handedOver).extracting(StableFile::path).containsExactly(file);
    }

    @Test
    void quietPeriodMode_byContrast_keepsTheSameFileAtTheFirstTick() throws Exception {
        Path file = Files.writeString(folder.resolve("written-in-place.bin"), "maybe complete");
        gate.track(new FileSeen(rule(Duration.ofSeconds(5)), file));

        advance(Duration.ofMillis(250));
        advance(Duration.ofMillis(250));

        assertThat(handedOver).isEmpty();
        assertThat(gate.trackedCount()).isEqualTo(1);
    }

    @Test
    void renameMode_aFileSeenChanging_waitsUntilItIsUnchangedBetweenTwoTicks() throws Exception {
        Path file = Files.writeString(folder.resolve("grows.bin"), "a");
        accepting.set(false); // the first look finds it ready, but the queue is full
        gate.track(new FileSeen(renameRule(), file));
        advance(Duration.ofMillis(250));
        accepting.set(true);

        Files.writeString(file, "ab");
        Files.setLastModifiedTime(file, FileTime.from(clock.instant().plusSeconds(1)));
        advance(Duration.ofMillis(250));
        assertThat(handedOver).as("seen changing: not handed over on this tick").isEmpty();

        advance(Duration.ofMillis(250));
        assertThat(handedOver).extracting(StableFile::path).containsExactly(file);
        assertThat(handedOver.get(0).identity().sizeInBytes()).isEqualTo(2);
    }

    @Test
    void aQuietPeriodFile_isDueWhenItsQuietPeriodFromTrackingEnds_andHandedOverByTheDueLookAlone() throws Exception {
        Instant tracked = clock.instant();
        Path file = Files.writeString(folder.resolve("whole.bin"), "complete");
        gate.track(new FileSeen(rule(Duration.ofSeconds(5)), file));
        assertThat(gate.nextDue()).contains(tracked.plusSeconds(5));

        dueLookAt(tracked.plusMillis(4999));
        assertThat(handedOver).as("a millisecond early").isEmpty();

        dueLookAt(tracked.plusSeconds(5));
        assertThat(handedOver).extracting(StableFile::path).containsExactly(file);
        assertThat(gate.trackedCount()).isZero();
    }

    @Test
    void aFileThatChangedBeforeItsDueLook_isNotHandedOver_andIsDueAQuietPeriodAfterThatLook() throws Exception {
        Instant tracked = clock.instant();
        Path file = Files.writeString(folder.resolve("still-writing.bin"), "a");
        gate.track(new FileSeen(rule(Duration.ofSeconds(5)), file));
        Files.writeString(file, "ab");

        dueLookAt(tracked.plusSeconds(5));
        assertThat(handedOver).isEmpty();
        assertThat(gate.nextDue()).contains(tracked.plusSeconds(10));

        dueLookAt(tracked.plusSeconds(10));
        assertThat(handedOver).singleElement().extracting(f -> f.identity().sizeInBytes()).isEqualTo(2L);
    }

    @Test
    void aChangeSeenByATick_movesTheDueLookToAQuietPeriodAfterThatTick() throws Exception {
        Instant tracked = clock.instant();
        Path file = Files.writeString(folder.resolve("grows.dat"), "a");
        gate.track(new FileSeen(rule(Duration.ofSeconds(5)), file));
        Files.writeString(file, "abc");
        advance(Duration.ofSeconds(2)); // the tick sees the change

        dueLookAt(tracked.plusSeconds(5)); // the first due look finds the quiet period restarted and waits
        assertThat(handedOver).isEmpty();
        assertThat(gate.nextDue()).contains(tracked.plusSeconds(7));

        dueLookAt(tracked.plusSeconds(7));
        assertThat(handedOver).hasSize(1);
    }

    @Test
    void markerAndRenameRules_haveNoDueLook_theirFilesAreDecidedByTicks() throws Exception {
        TestRules marker = TestRules.in(folder);
        marker.marker = ".ready";
        gate.track(new FileSeen(marker.build(), Files.writeString(folder.resolve("m.bin"), "m")));
        gate.track(new FileSeen(renameRule(), Files.writeString(folder.resolve("r.bin"), "r")));

        assertThat(gate.nextDue()).isEmpty();
        assertThat(gate.trackedCount()).isEqualTo(2);
    }
}
