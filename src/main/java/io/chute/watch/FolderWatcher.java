package io.chute.watch;

import io.chute.config.DropRule;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The only WatchService loop. Events are hints and scans are truth: every rule folder is scanned at start,
 * each newly created directory is registered and then scanned (files may land before the watch exists), and
 * OVERFLOW or an invalidated key triggers a rescan of the rule. {@link #rescanAll} is also called on a schedule.
 * Rules that are polled ({@link WatchPlan}) are scanned by the same loop every poll interval; a rule whose
 * registration hits the kernel's inotify limit is switched to polling with an error naming the setting.
 * <p>
 * {@link #run} is the body of the single watcher thread; {@link #rescanAll} may run on another thread.
 */
public final class FolderWatcher implements Runnable, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FolderWatcher.class);
    private static final long MAX_WAIT_MILLIS = 1000;

    /** Counts watcher incidents for metrics. */
    public interface Listener extends Consumer<FileSeen> {
        default void overflow(DropRule rule) {
        }

        default void rescanned(DropRule rule) {
        }

        /** A name the rule selects that is not a regular file (FIFO, socket, device): never opened; once per path. */
        default void notRegular(DropRule rule, Path path) {
        }
    }

    private static final int MAX_REMEMBERED_SKIPS = 10_000;
    private final java.util.Set<Path> reportedNotRegular = ConcurrentHashMap.newKeySet();

    /** How the watch service is opened and directories registered; a seam for tests of the limit fallback. */
    public interface Kernel {
        WatchService open() throws IOException;

        WatchKey register(WatchService service, Path dir) throws IOException;

        Kernel DEFAULT = new Kernel() {
            @Override
            public WatchService open() throws IOException {
                return FileSystems.getDefault().newWatchService();
            }

            @Override
            public WatchKey register(WatchService service, Path dir) throws IOException {
                // No ENTRY_DELETE: a name that went needs nothing, and each uploaded and deleted file would cost
                // the watcher a wake-up and a failing stat (a deleted directory invalidates its key regardless)
                return dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY);
            }
        };
    }

    private final List<DropRule> rules;
    private final Listener listener;
    private final Kernel kernel;
    private final WatchService watchService;
    private final Map<WatchKey, Registration> keys = new ConcurrentHashMap<>();
    private final Map<String, WatchPlan.Decision> decisions = new ConcurrentHashMap<>();
    private final Map<String, Long> nextPollNanos = new ConcurrentHashMap<>();
    private volatile long lastLoopNanos = System.nanoTime();

    private record Registration(DropRule rule, Path dir) {
    }

    public FolderWatcher(List<DropRule> rules, Listener listener) {
        this(rules, listener, Kernel.DEFAULT);
    }

    public FolderWatcher(List<DropRule> rules, Listener listener, Kernel kernel) {
        this.rules = List.copyOf(rules);
        this.listener = listener;
        this.kernel = kernel;
        this.watchService = openQuietly(kernel);
    }

    private static WatchService openQuietly(Kernel kernel) {
        try {
            return kernel.open();
        } catch (IOException e) {
            LOG.errorf("cannot open a file watch service: %s; every rule is polled",
                    WatchPlan.isInotifyLimit(e) ? WatchPlan.inotifyAdvice(e) : e.toString());
            return null;
        }
    }

    /** Chooses each rule's discovery mode, registers event rules (recursively where configured), scans all once. */
    public void start() {
        for (DropRule rule : rules) {
            WatchPlan.Decision decision = WatchPlan.decide(rule);
            if (decision.events() && watchService == null) {
                decision = new WatchPlan.Decision(false, "no file watch service available");
            }
            decisions.put(rule.name(), decision);
            if (decision.events()) {
                try {
                    registerTree(rule, rule.folder());
                } catch (IOException e) {
                    switchToPolling(rule, e);
                }
            }
            if (!decisions.get(rule.name()).events()) {
                nextPollNanos.put(rule.name(), System.nanoTime() + rule.pollInterval().toNanos());
            }
            LOG.infof("rule=%s discovers files in %s by %s", rule.name(), rule.folder(),
                    decisions.get(rule.name()).describe(rule));
        }
        rescanAll();
    }

    private void switchToPolling(DropRule rule, IOException cause) {
        String why = WatchPlan.isInotifyLimit(cause) ? WatchPlan.inotifyAdvice(cause) : "cannot watch: " + cause;
        LOG.errorf("rule=%s %s; polling %s every %s instead", rule.name(), why, rule.folder(), rule.pollInterval());
        decisions.put(rule.name(), new WatchPlan.Decision(false, why));
        nextPollNanos.putIfAbsent(rule.name(), System.nanoTime() + rule.pollInterval().toNanos());
        keys.entrySet().removeIf(e -> {
            boolean mine = e.getValue().rule().name().equals(rule.name());
            if (mine) {
                e.getKey().cancel();
            }
            return mine;
        });
    }

    @Override
    public void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                lastLoopNanos = System.nanoTime();
                long waitMillis = Math.max(1, Math.min(MAX_WAIT_MILLIS, millisToNextPoll()));
                if (watchService != null) {
                    WatchKey key = watchService.poll(waitMillis, TimeUnit.MILLISECONDS);
                    if (key != null) {
                        handle(key);
                    }
                } else {
                    Thread.sleep(waitMillis);
                }
                pollDueRules();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long millisToNextPoll() {
        long now = System.nanoTime();
        return nextPollNanos.values().stream().mapToLong(due -> TimeUnit.NANOSECONDS.toMillis(due - now))
                .min().orElse(MAX_WAIT_MILLIS);
    }

    private void pollDueRules() {
        long now = System.nanoTime();
        for (DropRule rule : rules) {
            Long due = nextPollNanos.get(rule.name());
            if (due != null && now - due >= 0) {
                scan(rule, rule.folder());
                nextPollNanos.put(rule.name(), System.nanoTime() + rule.pollInterval().toNanos());
            }
        }
    }

    private void handle(WatchKey key) {
        Registration reg = keys.get(key);
        if (reg == null) {
            key.cancel();
            return;
        }
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                LOG.warnf("rule=%s watch events overflowed in %s; rescanning", reg.rule().name(), reg.dir());
                listener.overflow(reg.rule());
                scan(reg.rule(), reg.rule().folder());
                continue;
            }
            Path child = reg.dir().resolve((Path) event.context());
            if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                if (reg.rule().recursive() && event.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
                    registerQuietly(reg.rule(), child);
                    scan(reg.rule(), child);
                }
            } else if (event.kind() != StandardWatchEventKinds.ENTRY_DELETE) {
                offer(reg.rule(), child);
            }
        }
        if (!key.reset()) {
            keys.remove(key);
            if (!reg.dir().equals(reg.rule().folder())) {
                return; // a sub-folder went away; nothing left to watch there
            }
            LOG.errorf("rule=%s watch on %s was invalidated (folder removed or unmounted?); rescanning",
                    reg.rule().name(), reg.dir());
            registerQuietly(reg.rule(), reg.dir());
            scan(reg.rule(), reg.dir());
        }
    }

    /** Full scan of one rule's folder (a backlog left on disk); files found are offered to the listener. */
    public void rescan(DropRule rule) {
        scan(rule, rule.folder());
        listener.rescanned(rule);
    }

    /** Full scan of every rule folder; files found are offered to the listener. */
    public void rescanAll() {
        for (DropRule rule : rules) {
            scan(rule, rule.folder());
            listener.rescanned(rule);
        }
    }

    private void scan(DropRule rule, Path start) {
        try {
            Files.walkFileTree(start, EnumSet.noneOf(java.nio.file.FileVisitOption.class),
                    rule.recursive() ? Integer.MAX_VALUE : 1, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            boolean hidden = !dir.equals(rule.folder()) && dir.getFileName().toString().startsWith(".");
                            return hidden ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (CandidateFilter.accepts(rule, file, attrs)) {
                                listener.accept(new FileSeen(rule, file));
                            } else if (attrs.isOther()) {
                                notRegular(rule, file);
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            LOG.warnf("rule=%s cannot read %s during scan (%s); retried at the next scan",
                                    rule.name(), file, e.toString());
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            LOG.errorf("rule=%s scan of %s failed: %s", rule.name(), start, e);
        }
    }

    /** An event names a file or a marker; a marker stands for its data file. */
    private void offer(DropRule rule, Path file) {
        Path candidate = file;
        if (rule.isMarker(file)) {
            String name = file.getFileName().toString();
            candidate = file.resolveSibling(name.substring(0, name.length() - rule.marker().orElseThrow().length()));
        }
        if (CandidateFilter.admits(rule, candidate)) {
            listener.accept(new FileSeen(rule, candidate));
        } else if (isOther(candidate)) {
            notRegular(rule, candidate);
        }
    }

    private static boolean isOther(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        } catch (IOException gone) {
            return false;
        }
    }

    /**
     * A FIFO, socket or device whose name the rule selects: skipped at discovery, never opened (a FIFO would
     * block whoever opens it), and reported once per path so it is not a silent omission.
     */
    private void notRegular(DropRule rule, Path path) {
        if (!CandidateFilter.acceptsName(rule, path)) {
            return;
        }
        if (reportedNotRegular.size() > MAX_REMEMBERED_SKIPS) {
            reportedNotRegular.clear();
        }
        if (reportedNotRegular.add(path)) {
            LOG.warnf("rule=%s path=%s is not a regular file (FIFO, socket or device); it is skipped, never opened"
                    + " or uploaded", rule.name(), path);
            listener.notRegular(rule, path);
        }
    }

    private void registerTree(DropRule rule, Path root) throws IOException {
        if (!rule.recursive()) {
            register(rule, root);
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root) && dir.getFileName().toString().startsWith(".")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                register(rule, dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void registerQuietly(DropRule rule, Path dir) {
        try {
            registerTree(rule, dir);
        } catch (IOException e) {
            if (WatchPlan.isInotifyLimit(e)) {
                switchToPolling(rule, e);
            } else {
                LOG.errorf("rule=%s cannot watch %s (%s); the periodic rescan still finds its files", rule.name(), dir, e);
            }
        }
    }

    private void register(DropRule rule, Path dir) throws IOException {
        if (!decisions.get(rule.name()).events()) {
            return;
        }
        keys.put(kernel.register(watchService, dir), new Registration(rule, dir));
    }

    /** How each rule discovers files (rule name → description), for logs and status. */
    public Map<String, String> modes() {
        Map<String, String> modes = new java.util.TreeMap<>();
        for (DropRule rule : rules) {
            WatchPlan.Decision d = decisions.get(rule.name());
            modes.put(rule.name(), d == null ? "not started" : d.describe(rule));
        }
        return modes;
    }

    /** Directories currently registered for events. */
    public int watchedDirectories() {
        return keys.size();
    }

    /** Nanos timestamp of the last loop iteration; liveness uses it to detect a wedged watcher. */
    public long lastLoopNanos() {
        return lastLoopNanos;
    }

    @Override
    public void close() throws IOException {
        if (watchService != null) {
            watchService.close();
        }
    }
}
