package io.chute.upload;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One file, one key: the process-wide register of which source holds which bucket and key. A source claims its
 * object's key before it is uploaded and holds it until it leaves its folder (deleted or moved by the post-action,
 * quarantined, gone); a kept file holds it as long as it is there. Another source of any rule that maps to a key
 * held by a source still present is a collision.
 * <p>
 * Names are normalised to NFC (and names that are not valid UTF-8 escaped), so two different names in one folder
 * can map to one key ({@code café} NFC and NFD). Before claiming, a file looks for such twins beside it: the
 * older file (earlier modification time, then the smaller name) wins; the younger one is the collision, also
 * when the winner was already uploaded and deleted by the time the younger one comes. Only names that can have
 * a twin (not NFC, or not valid UTF-8) list their folder each time; files with plain names reuse a listing of
 * their folder's odd names taken at most {@link #LISTING_TTL} ago.
 */
public final class KeyClaims {

    /** How long a folder's list of odd names is reused by files with plain names. */
    static final Duration LISTING_TTL = Duration.ofSeconds(1);

    private record Key(String bucket, String key) {
    }

    private record OddNames(Instant listedAt, List<Path> names) {
    }

    private final Clock clock;
    private final Map<Key, Path> holders = new HashMap<>();
    private final Map<Path, Key> heldBy = new HashMap<>();
    /** Younger twins found by the file that won their key: they lose whenever they come. */
    private final Map<Path, Path> beaten = new HashMap<>();
    private final Map<Path, OddNames> oddNames = new HashMap<>();

    public KeyClaims(Clock clock) {
        this.clock = clock;
    }

    /**
     * Claims {@code bucket}/{@code key} for {@code file} (inside {@code folder}); returns the other source it
     * collides with, if any; then {@code file} must not be uploaded.
     */
    public Optional<Path> claim(String bucket, String key, Path folder, Path file) throws IOException {
        Path me = file.toAbsolutePath().normalize();
        Key wanted = new Key(bucket, key);
        List<Path> twins = twinsOf(folder, me);
        synchronized (this) {
            Path winner = beaten.get(me);
            if (winner != null) {
                return Optional.of(winner);
            }
            Path holder = holders.get(wanted);
            if (holder != null && !holder.equals(me) && present(holder)) {
                return Optional.of(holder);
            }
            FileTime mine = mtime(me);
            for (Path twin : twins) {
                if (older(twin, mtime(twin), me, mine)) {
                    return Optional.of(twin);
                }
            }
            Key previous = heldBy.put(me, wanted);
            if (previous != null && !previous.equals(wanted)) {
                holders.remove(previous, me);
            }
            holders.put(wanted, me);
            for (Path twin : twins) {
                beaten.put(twin, me);
            }
            return Optional.empty();
        }
    }

    /** The file left its folder (post-action, quarantine, gone): its key is free, and any verdict on it ends. */
    public synchronized void release(Path file) {
        Path me = file.toAbsolutePath().normalize();
        Key held = heldBy.remove(me);
        if (held != null) {
            holders.remove(held, me);
        }
        beaten.remove(me);
    }

    /** Number of keys held: for tests. */
    synchronized int held() {
        return holders.size();
    }

    /** Other names in the file's folder whose key text equals the file's (at most a few). */
    private List<Path> twinsOf(Path folder, Path me) throws IOException {
        Path dir = me.getParent();
        Path name = me.getFileName();
        String mine = keyText(folder, me);
        List<Path> candidates;
        if (ObjectKeyResolver.plainName(name)) {
            candidates = oddNamesOf(dir);
        } else {
            candidates = list(dir, false);
        }
        List<Path> twins = new ArrayList<>();
        for (Path other : candidates) {
            Path absolute = other.toAbsolutePath().normalize();
            if (!absolute.equals(me) && keyText(folder, absolute).equals(mine) && present(absolute)) {
                twins.add(absolute);
            }
        }
        return twins;
    }

    private List<Path> oddNamesOf(Path dir) throws IOException {
        synchronized (this) {
            OddNames cached = oddNames.get(dir);
            if (cached != null && cached.listedAt().plus(LISTING_TTL).isAfter(clock.instant())) {
                return cached.names();
            }
        }
        Instant at = clock.instant();
        List<Path> odd = list(dir, true);
        synchronized (this) {
            if (oddNames.size() > 10_000) {
                oddNames.clear();
            }
            oddNames.put(dir, new OddNames(at, odd));
        }
        return odd;
    }

    private static List<Path> list(Path dir, boolean oddOnly) throws IOException {
        List<Path> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (!oddOnly || !ObjectKeyResolver.plainName(entry.getFileName())) {
                    names.add(entry);
                }
            }
        } catch (java.nio.file.NoSuchFileException gone) {
            return List.of();
        }
        return names;
    }

    private static String keyText(Path folder, Path file) {
        Path relative = folder.relativize(file.getParent()).resolve(file.getFileName());
        List<String> segments = ObjectKeyResolver.keySegments(folder, relative);
        return segments.get(segments.size() - 1);
    }

    private static boolean older(Path a, FileTime aTime, Path b, FileTime bTime) {
        int byTime = aTime.compareTo(bTime);
        return byTime != 0 ? byTime < 0 : a.toUri().toString().compareTo(b.toUri().toString()) < 0;
    }

    private static boolean present(Path file) {
        return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    }

    private static FileTime mtime(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).lastModifiedTime();
        } catch (IOException gone) {
            return FileTime.fromMillis(Long.MAX_VALUE);
        }
    }
}
