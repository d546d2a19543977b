package io.chute.daemon;

import io.chute.config.DropRule;
import io.chute.stability.StabilityGate;
import io.chute.stability.StableFile;
import io.chute.testing.SettableClock;
import io.chute.testing.TestRules;
import io.chute.watch.FileSeen;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The ticker on a real scheduler and clock: a file is handed over when its quiet period ends, not at a sweep. */
class StabilityTickerTest {

    @TempDir
    Path folder;

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void aFileIsHandedOverByTheLookAtTheEndOfItsQuietPeriod_evenWhenTheNextSweepIsAnHourAway() throws Exception {
        List<StableFile> handedOver = new CopyOnWriteArrayList<>();
        StabilityGate gate = new StabilityGate(Clock.systemUTC(), handedOver::add);
        TestRules t = TestRules.in(folder);
        t.quietPeriod = Duration.ofMillis(300);
        DropRule rule = t.build();
        Path file = Files.writeString(folder.resolve("sample.raw"), "complete");
        gate.track(new FileSeen(rule, file));
        AtomicInteger sweeps = new AtomicInteger();

        new StabilityTicker(executor, Duration.ofHours(1), () -> {
            sweeps.incrementAndGet();
            gate.tick();
        }, gate, Clock.systemUTC(), turn -> turn).start();

        await().atMost(Duration.ofSeconds(20)).until(() -> !handedOver.isEmpty());
        assertThat(handedOver).extracting(StableFile::path).containsExactly(file);
        assertThat(sweeps).as("only the first sweep, at start, which found the file too young").hasValue(1);
    }

    @Test
    void aFailingTurnIsFollowedByTheNextOne() {
        StabilityGate gate = new StabilityGate(Clock.systemUTC(), f -> true);
        AtomicInteger sweeps = new AtomicInteger();

        new StabilityTicker(executor, Duration.ofMillis(20), () -> {
            sweeps.incrementAndGet();
            throw new IllegalStateException("a broken sweep");
        }, gate, Clock.systemUTC(), turn -> () -> {
            try {
                turn.run();
            } catch (IllegalStateException reported) {
                // what ChuteThreads.guarded does: log it and go on
            }
        }).start();

        await().atMost(Duration.ofSeconds(20)).until(() -> sweeps.get() >= 3);
    }

    @Test
    void theWallClockSteppingBackAnHour_doesNotStallTheSweeps() {
        SettableClock steppable = new SettableClock(java.time.Instant.now());
        StabilityGate gate = new StabilityGate(steppable, f -> true);
        AtomicInteger sweeps = new AtomicInteger();
        new StabilityTicker(executor, Duration.ofMillis(20), sweeps::incrementAndGet, gate, steppable, turn -> turn)
                .start();
        await().atMost(Duration.ofSeconds(20)).until(() -> sweeps.get() >= 2);

        steppable.advance(Duration.ofHours(-1));
        int before = sweeps.get();

        await().atMost(Duration.ofSeconds(20)).until(() -> sweeps.get() >= before + 3);
    }
}
