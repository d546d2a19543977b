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
import java.util.function.Consumer;

/**
 * The only WatchService loop. Events are hints and scans are truth: every rule folder is scanned at start,
 * each newly created directory is registered and then scanned (files may land before the watch exists), and
 * OVERFLOW or an invalidated key triggers a rescan of the rule. {@link #rescanAll} is also called on a schedule.
 * <p>
 * {@link #run} is the body of the single watcher thread; {@link #rescanAll} may run on another thread.
 */
public final class FolderWatcher implements Runnable, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FolderWatcher.class);

    /** Counts watcher incidents for metrics. */
    public interface Listener extends Consumer<FileSeen> {
        default void overflow(DropRule rule) {
        }

        default void rescanned(DropRule rule) {
        }
    }

    private final List<DropRule> rules;
    private final Listener listener;
    private final WatchService watchService;
    private final Map<WatchKey, Registration> keys = new ConcurrentHashMap<>();
    private volatile long lastLoopNanos = System.nanoTime();

    private record Registration(DropRule rule, Path dir) {
    }

    public FolderWatcher(List<DropRule> rules, Listener listener) throws IOException {
        this.rules = List.copyOf(rules);
        this.listener = listener;
        this.watchService = FileSystems.getDefault().newWatchService();
    }

    /** Registers every rule folder (recursively where configured) and scans it once. */
    public void start() throws IOException {
        for (DropRule rule : rules) {
            registerTree(rule, rule.folder());
        }
        rescanAll();
    }

    @Override
    public void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                lastLoopNanos = System.nanoTime();
                WatchKey key = watchService.poll(1, java.util.concurrent.TimeUnit.SECONDS);
                if (key != null) {
                    handle(key);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
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
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            LOG.debugf("rule=%s cannot read %s during scan: %s", rule.name(), file, e);
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            LOG.errorf("rule=%s scan of %s failed: %s", rule.name(), start, e);
        }
    }

    private void offer(DropRule rule, Path file) {
        if (CandidateFilter.acceptsName(rule, file)) {
            listener.accept(new FileSeen(rule, file));
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
            LOG.errorf("rule=%s cannot watch %s (%s); the periodic rescan still finds its files. If this says"
                    + " 'User limit of inotify watches reached', raise fs.inotify.max_user_watches", rule.name(), dir, e);
        }
    }

    private void register(DropRule rule, Path dir) throws IOException {
        WatchKey key = dir.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        keys.put(key, new Registration(rule, dir));
    }

    /** Nanos timestamp of the last loop iteration; liveness uses it to detect a wedged watcher. */
    public long lastLoopNanos() {
        return lastLoopNanos;
    }

    @Override
    public void close() throws IOException {
        watchService.close();
    }
}
