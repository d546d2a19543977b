package io.chute.lifecycle;

import io.chute.config.DropRule;
import io.chute.testing.TestRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The file lifecycle: its transition table, held-at-most-once, and the counts and reasons it reports. */
class FileLifecycleTest {

    @TempDir
    Path folder;

    private final FileLifecycle lifecycle = new FileLifecycle(Clock.systemUTC());

    private DropRule rule() {
        return TestRules.in(folder).build();
    }

    /** The transition table as the specification says it: from each state, exactly these. */
    private static final Map<FileState, Set<FileState>> SPEC = new EnumMap<>(Map.of(
            FileState.DISCOVERED, EnumSet.of(FileState.STABILIZING),
            FileState.STABILIZING, EnumSet.of(FileState.QUEUED),
            FileState.QUEUED, EnumSet.of(FileState.UPLOADING, FileState.STABILIZING, FileState.PAUSED),
            FileState.UPLOADING, EnumSet.of(FileState.VERIFYING, FileState.POST_ACTION, FileState.RETRY_WAIT,
                    FileState.PAUSED, FileState.QUARANTINED, FileState.STABILIZING),
            FileState.VERIFYING, EnumSet.of(FileState.POST_ACTION, FileState.RETRY_WAIT, FileState.PAUSED,
                    FileState.QUARANTINED, FileState.STABILIZING),
            FileState.POST_ACTION, EnumSet.of(FileState.DONE, FileState.RETRY_WAIT, FileState.PAUSED),
            FileState.RETRY_WAIT, EnumSet.of(FileState.STABILIZING),
            FileState.PAUSED, EnumSet.of(FileState.STABILIZING),
            FileState.DONE, EnumSet.noneOf(FileState.class),
            FileState.QUARANTINED, EnumSet.noneOf(FileState.class)));

    @Test
    void everyLegalTransition_isAllowed_andEveryOtherIsRefusedWithoutChangingTheState() {
        int file = 0;
        for (FileState from : FileState.values()) {
            for (FileState to : FileState.values()) {
                Path path = folder.resolve("f" + file++);
                driveTo(path, from);
                if (SPEC.get(from).contains(to)) {
                    lifecycle.move(path, to, "why");
                    assertThat(lifecycle.entry(path).orElseThrow().state()).as(from + " -> " + to).isEqualTo(to);
                    assertThat(lifecycle.entry(path).orElseThrow().reason()).isEqualTo("why");
                } else {
                    assertThatThrownBy(() -> lifecycle.move(path, to)).as(from + " -> " + to)
                            .isInstanceOf(FileLifecycle.IllegalTransitionException.class)
                            .hasMessageContaining(from.name()).hasMessageContaining(to.name());
                    assertThat(lifecycle.entry(path).orElseThrow().state()).isEqualTo(from);
                }
            }
        }
    }

    @Test
    void terminalStates_areDoneAndQuarantinedOnly() {
        assertThat(EnumSet.allOf(FileState.class).stream().filter(FileState::isTerminal))
                .containsExactlyInAnyOrder(FileState.DONE, FileState.QUARANTINED);
    }

    @Test
    void aPathIsHeldAtMostOnce_untilItIsForgotten() {
        Path path = folder.resolve("one");
        assertThat(lifecycle.discover(rule(), path)).isTrue();
        assertThat(lifecycle.discover(rule(), path)).as("seen again while held").isFalse();
        lifecycle.move(path, FileState.STABILIZING);
        assertThat(lifecycle.discover(rule(), path)).as("seen again while stabilizing").isFalse();
        lifecycle.forget(path);
        assertThat(lifecycle.isHeld(path)).isFalse();
        assertThat(lifecycle.discover(rule(), path)).isTrue();
    }

    @Test
    void movingAFileThatIsNotHeld_isRefused() {
        assertThatThrownBy(() -> lifecycle.move(folder.resolve("ghost"), FileState.QUEUED))
                .isInstanceOf(FileLifecycle.IllegalTransitionException.class).hasMessageContaining("not held");
    }

    @Test
    void moveIf_movesOnlyFromTheExpectedState() {
        Path path = folder.resolve("v");
        driveTo(path, FileState.QUEUED);
        assertThat(lifecycle.moveIf(path, FileState.UPLOADING, FileState.VERIFYING)).isFalse();
        assertThat(lifecycle.entry(path).orElseThrow().state()).isEqualTo(FileState.QUEUED);
        lifecycle.move(path, FileState.UPLOADING);
        assertThat(lifecycle.moveIf(path, FileState.UPLOADING, FileState.VERIFYING)).isTrue();
        assertThat(lifecycle.entry(path).orElseThrow().state()).isEqualTo(FileState.VERIFYING);
        assertThat(lifecycle.moveIf(folder.resolve("absent"), FileState.UPLOADING, FileState.VERIFYING)).isFalse();
    }

    @Test
    void countsAndListings_followEveryMoveAndForget() {
        List<Path> paths = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Path p = folder.resolve("c" + i);
            paths.add(p);
            driveTo(p, FileState.QUEUED);
        }
        lifecycle.move(paths.get(0), FileState.UPLOADING);
        lifecycle.move(paths.get(0), FileState.RETRY_WAIT, "throttled");
        lifecycle.forget(paths.get(1));

        assertThat(lifecycle.count(FileState.QUEUED)).isEqualTo(3);
        assertThat(lifecycle.count(FileState.RETRY_WAIT)).isEqualTo(1);
        assertThat(lifecycle.count(FileState.UPLOADING)).isZero();
        assertThat(lifecycle.size()).isEqualTo(4);
        assertThat(lifecycle.inState(FileState.RETRY_WAIT, 10)).singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo("throttled"));
        assertThat(lifecycle.inState(FileState.QUEUED, 2)).hasSize(2);
    }

    /** Takes a fresh path to {@code target} along legal moves (breadth-first over the table). */
    private void driveTo(Path path, FileState target) {
        lifecycle.discover(rule(), path);
        for (FileState step : pathTo(target)) {
            lifecycle.move(path, step);
        }
        assertThat(lifecycle.entry(path).orElseThrow().state()).isEqualTo(target);
    }

    private static List<FileState> pathTo(FileState target) {
        Map<FileState, FileState> parent = new EnumMap<>(FileState.class);
        Deque<FileState> todo = new ArrayDeque<>(List.of(FileState.DISCOVERED));
        parent.put(FileState.DISCOVERED, null);
        while (!todo.isEmpty()) {
            FileState s = todo.removeFirst();
            for (FileState next : SPEC.get(s)) {
                if (!parent.containsKey(next)) {
                    parent.put(next, s);
                    todo.addLast(next);
                }
            }
        }
        List<FileState> steps = new ArrayList<>();
        for (FileState s = target; s != FileState.DISCOVERED; s = parent.get(s)) {
            steps.add(0, s);
        }
        return steps;
    }
}
