package io.chute.watch;

import io.chute.config.ChuteConfig.Symlinks;
import io.chute.config.ChuteConfig.WatchMode;
import io.chute.config.DropRule;
import io.chute.testing.TestRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Discovery against real folders and the real kernel WatchService: events, overflow, polling, special files. */
class FolderWatcherTest {

    @TempDir
    Path tmp;

    private final Set<Path> seen = ConcurrentHashMap.newKeySet();
    private final AtomicInteger overflows = new AtomicInteger();
    private FolderWatcher watcher;
    private Thread thread;

    private final FolderWatcher.Listener listener = new FolderWatcher.Listener() {
        @Override
        public void accept(FileSeen file) {
            seen.add(file.path());
        }

        @Override
        public void overflow(DropRule rule) {
            overflows.incrementAndGet();
        }
    };

    private Path folder() throws IOException {
        return Files.createDirectories(tmp.resolve("drop"));
    }

    private void start(DropRule rule, FolderWatcher.Kernel kernel) {
        watcher = new FolderWatcher(List.of(rule), listener, kernel);
        watcher.start();
    }

    private void runLoop() {
        thread = new Thread(watcher, "test-watcher");
        thread.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (thread != null) {
            thread.interrupt();
            thread.join(5000);
        }
        if (watcher != null) {
            watcher.close();
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void moreEventsThanTheKeyHolds_overflowIsObserved_andTheRescanFindsEveryFile() throws Exception {
        DropRule rule = TestRules.in(folder()).build();
        start(rule, FolderWatcher.Kernel.DEFAULT);
        for (int i = 0; i < 1500; i++) { // the loop is not running yet: events pile up past the key's 512
            Files.writeString(rule.folder().resolve("f" + i + ".dat"), "x");
        }
        runLoop();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(overflows).hasPositiveValue();
            assertThat(seen).hasSize(1500);
        });
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void directoriesCreatedAfterStart_areScannedWhenRegistered_andWatchedAfterwards() throws Exception {
        DropRule rule = TestRules.in(folder()).build();
        start(rule, FolderWatcher.Kernel.DEFAULT);
        runLoop();
        Path deep = Files.createDirectories(rule.folder().resolve("a/b/c"));
        Files.writeString(deep.resolve("early.dat"), "landed before the watch on c existed, perhaps");
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(deep.resolve("early.dat")));
        await().atMost(Duration.ofSeconds(10)).until(() -> watcher.watchedDirectories() == 4);
        Files.writeString(deep.resolve("late.dat"), "found by an event on c; no rescan runs in this test");
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(deep.resolve("late.dat")));
    }

    @Test
    void pollMode_registersNothing_andFindsNewFilesWithinItsInterval() throws Exception {
        TestRules t = TestRules.in(folder());
        t.watchMode = WatchMode.POLL;
        t.pollInterval = Duration.ofMillis(300);
        start(t.build(), FolderWatcher.Kernel.DEFAULT);
        runLoop();
        assertThat(watcher.watchedDirectories()).isZero();
        assertThat(watcher.modes().get("inbox")).startsWith("poll every PT0.3S");
        Path file = Files.writeString(Files.createDirectories(t.folder.resolve("sub")).resolve("polled.dat"), "x");
        await().atMost(Duration.ofSeconds(15)).until(() -> seen.contains(file));
    }

    @Test
    void inotifyWatchLimit_ruleFallsBackToPolling_andNamesTheKernelSetting() throws Exception {
        TestRules t = TestRules.in(folder());
        t.watchMode = WatchMode.EVENTS;
        t.pollInterval = Duration.ofMillis(300);
        FolderWatcher.Kernel limited = new FolderWatcher.Kernel() {
            @Override
            public WatchService open() throws IOException {
                return FolderWatcher.Kernel.DEFAULT.open();
            }

            @Override
            public WatchKey register(WatchService service, Path dir) throws IOException {
                throw new IOException("User limit of inotify watches reached");
            }
        };
        start(t.build(), limited);
        runLoop();
        assertThat(watcher.modes().get("inbox")).startsWith("poll every").contains("fs.inotify.max_user_watches");
        Path file = Files.writeString(t.folder.resolve("after-limit.dat"), "x");
        await().atMost(Duration.ofSeconds(15)).until(() -> seen.contains(file));
    }

    @Test
    void noWatchServiceAtAll_everyRuleIsPolled() throws Exception {
        TestRules t = TestRules.in(folder());
        t.pollInterval = Duration.ofMillis(300);
        FolderWatcher.Kernel none = new FolderWatcher.Kernel() {
            @Override
            public WatchService open() throws IOException {
                throw new IOException("User limit of inotify instances reached or too many open files");
            }

            @Override
            public WatchKey register(WatchService service, Path dir) {
                throw new AssertionError("nothing may be registered without a watch service");
            }
        };
        start(t.build(), none);
        runLoop();
        assertThat(watcher.modes().get("inbox")).startsWith("poll every");
        Path file = Files.writeString(t.folder.resolve("x.dat"), "x");
        await().atMost(Duration.ofSeconds(15)).until(() -> seen.contains(file));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void fifosAndLinksLeavingTheFolder_areNeverCandidates_linksInsideOnlyWhenAllowed() throws Exception {
        Path outside = Files.writeString(tmp.resolve("outside.dat"), "secret");
        TestRules skip = TestRules.in(folder());
        Path inside = Files.writeString(Files.createDirectories(skip.folder.resolve(".staging")).resolve("run.raw"), "data");
        Files.createSymbolicLink(skip.folder.resolve("to-outside.dat"), outside);
        Files.createSymbolicLink(skip.folder.resolve("to-inside.raw"), inside);
        Process mkfifo = new ProcessBuilder("mkfifo", skip.folder.resolve("pipe.dat").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        Path regular = Files.writeString(skip.folder.resolve("plain.dat"), "x");

        start(skip.build(), FolderWatcher.Kernel.DEFAULT);
        assertThat(seen).containsExactly(regular);
        watcher.close();

        seen.clear();
        skip.symlinks = Symlinks.FOLLOW_INSIDE_ROOT;
        start(skip.build(), FolderWatcher.Kernel.DEFAULT);
        assertThat(seen).containsExactlyInAnyOrder(regular, skip.folder.resolve("to-inside.raw"));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void markerEvent_offersTheDataFile_neverTheMarker() throws Exception {
        TestRules t = TestRules.in(folder());
        t.marker = ".done";
        start(t.build(), FolderWatcher.Kernel.DEFAULT);
        runLoop();
        Path data = Files.writeString(t.folder.resolve("scan.tif"), "x");
        Files.writeString(t.folder.resolve("scan.tif.done"), "");
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(data));
        // positive evidence that the marker's own events were handled: a later pair is seen after them
        Path later = Files.writeString(t.folder.resolve("later.tif"), "y");
        Files.writeString(t.folder.resolve("later.tif.done"), "");
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(later));
        assertThat(seen).doesNotContain(t.folder.resolve("scan.tif.done"), t.folder.resolve("later.tif.done"))
                .containsOnly(data, later);
    }
}
