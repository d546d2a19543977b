package io.chute.stability;

import io.chute.config.ChuteConfig.Symlinks;
import io.chute.config.DropRule;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Set;

/**
 * A rule's folder as the boundary of everything Chute does to a source: every stat, open, move and delete of a
 * file goes from the folder (opened by its path, once per operation) one directory at a time
 * ({@link SecureDirectoryStream}: openat and unlinkat relative to a held directory, each opened with no-follow),
 * so a directory of the drop folder replaced
 * by a symbolic link to somewhere else is refused instead of followed. A final symbolic link is followed only
 * under {@code symlinks: follow-inside-root}, and then re-resolved at each use (never trusted from discovery):
 * its real target must still lie inside the folder. Open, delete and move also compare the file's identity (size,
 * modification time, device and inode) with the one recorded when the file was found stable; a different file under the same name is refused.
 * <p>
 * Refusals are {@link RefusedException}s with a {@link Refusal} reason; other I/O errors pass through.
 */
public final class SourceFolder {

    /** Why a source was refused; its {@link #tag()} is the log and metric reason. */
    public enum Refusal {
        /** A component of the path is a symbolic link, or a followed link's target is outside the folder. */
        OUTSIDE_ROOT,
        /** The name now holds another file (another device and inode) than the one found stable. */
        IDENTITY_CHANGED;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The source was refused: it is not (or no longer) the file found inside the rule's folder. */
    public static final class RefusedException extends IOException {
        private final Refusal reason;

        public RefusedException(Refusal reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Refusal reason() {
            return reason;
        }
    }

    private final Path folder;
    private final boolean followInsideRoot;

    public SourceFolder(Path folder, boolean followInsideRoot) {
        this.folder = folder.toAbsolutePath().normalize();
        this.followInsideRoot = followInsideRoot;
    }

    public static SourceFolder of(DropRule rule) {
        return new SourceFolder(rule.folder(), rule.symlinks() == Symlinks.FOLLOW_INSIDE_ROOT);
    }

    /** The folder holding exactly {@code file} (no link followed at all): for requests without a rule. */
    public static SourceFolder parentOf(Path file) {
        return new SourceFolder(file.toAbsolutePath().normalize().getParent(), false);
    }

    public Path folder() {
        return folder;
    }

    /** The identity of the regular file at {@code file}, read through the folder. */
    public FileIdentity identity(Path file) throws IOException {
        return within(file, (dir, name, root) -> {
            Target t = resolve(dir, name, root, file);
            if (t.redirected != null) {
                return t.redirected.identity(t.redirectedFile);
            }
            if (!t.attrs.isRegularFile()) {
                throw new FileIdentity.NotRegularFileException(file);
            }
            return FileIdentity.of(t.attrs);
        });
    }

    /**
     * Opens {@code file} for reading through the folder, the last component with no-follow; refused when its
     * identity (size, modification time, device and inode) is not {@code expected} (checked before and after the
     * open).
     */
    public FileChannel open(Path file, FileIdentity expected) throws IOException {
        return within(file, (dir, name, root) -> {
            Target t = resolve(dir, name, root, file);
            if (t.redirected != null) {
                return t.redirected.open(t.redirectedFile, expected);
            }
            if (!t.attrs.isRegularFile()) {
                throw new FileIdentity.NotRegularFileException(file);
            }
            expectKey(file, t.attrs, expected);
            FileChannel channel = channelOf(dir, name, root, file);
            try {
                expectKey(file, attributes(dir, name, root), expected);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            return channel;
        });
    }

    /** Reads an open source (see {@link #read}). */
    public interface ChannelReader<T> {
        T read(FileChannel channel) throws IOException;
    }

    /**
     * Opens {@code file} as {@link #open} does, lets {@code reader} read it, and then checks once more, through
     * the same held directory, that the name still holds a file with {@code expected} (identity checked before
     * the open and after the read: what was read is the file found stable, unchanged while it was read). One
     * walk where an open and a later {@link #check} would take two; the channel is closed on return.
     */
    public <T> T read(Path file, FileIdentity expected, ChannelReader<T> reader) throws IOException {
        return within(file, (dir, name, root) -> {
            Target t = resolve(dir, name, root, file);
            if (t.redirected != null) {
                return t.redirected.read(t.redirectedFile, expected, reader);
            }
            if (!t.attrs.isRegularFile()) {
                throw new FileIdentity.NotRegularFileException(file);
            }
            expectKey(file, t.attrs, expected);
            try (FileChannel channel = channelOf(dir, name, root, file)) {
                T result = reader.read(channel);
                expectKey(file, attributes(dir, name, root), expected);
                return result;
            }
        });
    }

    /** Checks that {@code file} is inside the folder and (when given) still has {@code expected}. */
    public void check(Path file, FileIdentity expected) throws IOException {
        within(file, (dir, name, root) -> {
            Target t = resolve(dir, name, root, file);
            if (t.redirected != null) {
                t.redirected.check(t.redirectedFile, expected);
            } else if (expected != null) {
                expectKey(file, t.attrs, expected);
            }
            return null;
        });
    }

    /**
     * Deletes {@code file} (a followed link: the link itself, after its target was checked) if it is still the
     * file with {@code expected} (null: any file); returns false if there was none.
     */
    public boolean delete(Path file, FileIdentity expected) throws IOException {
        try {
            return within(file, (dir, name, root) -> {
                Target t = resolve(dir, name, root, file);
                if (t.redirected != null) {
                    t.redirected.check(t.redirectedFile, expected);
                } else if (expected != null) {
                    expectKey(file, t.attrs, expected);
                }
                if (dir != null) {
                    dir.deleteFile(name);
                } else {
                    Files.delete(root);
                }
                return true;
            });
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    /**
     * Deletes a companion of a source (its marker) through the folder, following no link; a link is removed
     * itself. Returns false if there was none.
     */
    public boolean deleteCompanion(Path file) throws IOException {
        try {
            return within(file, (dir, name, root) -> {
                attributes(dir, name); // refuses nothing but makes a missing file a NoSuchFileException
                if (dir != null) {
                    dir.deleteFile(name);
                } else {
                    Files.delete(root);
                }
                return true;
            });
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    /**
     * Moves {@code file} (still holding {@code expected}, null: any) to {@code target}, whose folder must
     * exist: a rename relative to the held directories, or a copy of the opened file and an unlink when the
     * target is on another file system. A followed link is moved as the link.
     */
    public void moveTo(Path file, FileIdentity expected, Path target) throws IOException {
        within(file, (dir, name, root) -> {
            Target t = resolve(dir, name, root, file);
            if (t.redirected != null) {
                t.redirected.check(t.redirectedFile, expected);
            } else if (expected != null) {
                expectKey(file, t.attrs, expected);
            }
            if (dir == null) {
                Files.move(root, target, StandardCopyOption.ATOMIC_MOVE);
                return null;
            }
            try (DirectoryStream<Path> targetDir = Files.newDirectoryStream(target.getParent())) {
                if (targetDir instanceof SecureDirectoryStream<Path> secureTarget) {
                    dir.move(name, secureTarget, target.getFileName());
                    return null;
                }
            } catch (AtomicMoveNotSupportedException crossDevice) {
                if (t.attrs.isSymbolicLink()) {
                    Files.copy(root.resolve(name), target, LinkOption.NOFOLLOW_LINKS);
                } else {
                    try (SeekableByteChannel in = dir.newByteChannel(name,
                            Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
                         InputStream stream = Channels.newInputStream(in)) {
                        Files.copy(stream, target);
                    }
                }
                dir.deleteFile(name);
                return null;
            }
            Files.move(root.resolve(name), target);
            return null;
        });
    }

    // ---- the walk ----

    private interface InDirectory<T> {
        /**
         * {@code dir}: the held directory of the file's parent (null where the platform has no secure directory
         * streams: then {@code root} is the checked path of the file itself); {@code name}: the file's name.
         */
        T apply(SecureDirectoryStream<Path> dir, Path name, Path root) throws IOException;
    }

    /** What the file's name holds: its own attributes, or (a followed link) the target to use instead. */
    private record Target(BasicFileAttributes attrs, SourceFolder redirected, Path redirectedFile) {
    }

    private <T> T within(Path file, InDirectory<T> op) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        if (!absolute.startsWith(folder) || absolute.equals(folder)) {
            throw new RefusedException(Refusal.OUTSIDE_ROOT, absolute + " is not inside " + folder);
        }
        Path relative = folder.relativize(absolute);
        // The folder itself is opened by its configured path: the kernel resolves any link in it once, in the
        // open (as toRealPath would, minus a readlink per path component on every operation); everything below
        // it is walked one held directory at a time, following nothing.
        Path root = folder;
        DirectoryStream<Path> top = Files.newDirectoryStream(root);
        if (!(top instanceof SecureDirectoryStream<Path> secure)) {
            top.close();
            return withoutSecureStreams(root, relative, op);
        }
        SecureDirectoryStream<Path> dir = secure;
        Path walked = root;
        try {
            for (int i = 0; i < relative.getNameCount() - 1; i++) {
                Path component = relative.getName(i);
                walked = walked.resolve(component);
                SecureDirectoryStream<Path> next;
                try {
                    // O_NOFOLLOW: a link (planted before or swapped in now) fails the open, and only then is
                    // the name looked at, to say why; a stat before every open would cost one system call per
                    // folder level of every walk
                    next = dir.newDirectoryStream(component, LinkOption.NOFOLLOW_LINKS);
                } catch (FileSystemException replaced) {
                    if (attributes(dir, component).isSymbolicLink()) {
                        throw new RefusedException(Refusal.OUTSIDE_ROOT, walked + " is a symbolic link");
                    }
                    throw replaced;
                }
                dir.close();
                dir = next;
            }
            return op.apply(dir, relative.getFileName(), walked);
        } finally {
            dir.close();
        }
    }

    /** Path-based checks where no secure directory stream exists: each component stat'ed with no-follow. */
    private <T> T withoutSecureStreams(Path root, Path relative, InDirectory<T> op) throws IOException {
        Path walked = root;
        for (int i = 0; i < relative.getNameCount() - 1; i++) {
            walked = walked.resolve(relative.getName(i));
            if (Files.readAttributes(walked, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isSymbolicLink()) {
                throw new RefusedException(Refusal.OUTSIDE_ROOT, walked + " is a symbolic link");
            }
        }
        return op.apply(null, relative.getFileName(), walked.resolve(relative.getFileName()));
    }

    private Target resolve(SecureDirectoryStream<Path> dir, Path name, Path root, Path file) throws IOException {
        BasicFileAttributes attrs = attributes(dir, name, root);
        if (!attrs.isSymbolicLink()) {
            return new Target(attrs, null, null);
        }
        if (!followInsideRoot) {
            throw new RefusedException(Refusal.OUTSIDE_ROOT, file + " is a symbolic link");
        }
        Path linkPath = dir == null ? root : root.resolve(name);
        Path target;
        try {
            target = linkPath.toRealPath();
        } catch (NoSuchFileException dangling) {
            throw new NoSuchFileException(file + " is a dangling symbolic link");
        }
        Path realRoot = folder.toRealPath();
        if (!target.startsWith(realRoot) || target.equals(realRoot)) {
            throw new RefusedException(Refusal.OUTSIDE_ROOT, file + " is a symbolic link to " + target
                    + ", outside " + folder);
        }
        // The target is walked again through the folder, following no further link.
        return new Target(attrs, new SourceFolder(realRoot, false), target);
    }

    private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
    }

    private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name, Path root)
            throws IOException {
        return dir == null ? Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                : attributes(dir, name);
    }

    private static FileChannel channelOf(SecureDirectoryStream<Path> dir, Path name, Path root, Path file)
            throws IOException {
        if (dir == null) {
            return FileChannel.open(root, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        }
        SeekableByteChannel channel = dir.newByteChannel(name, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        if (channel instanceof FileChannel fc) {
            return fc;
        }
        channel.close();
        throw new IOException(file + ": the platform's directory streams give no positional reads");
    }

    private static void expectKey(Path file, BasicFileAttributes attrs, FileIdentity expected)
            throws RefusedException {
        if (expected == null) {
            return;
        }
        FileIdentity now = FileIdentity.of(attrs);
        if (!now.equals(expected)) {
            throw new RefusedException(Refusal.IDENTITY_CHANGED, file + " is now another file (" + now + ", was "
                    + expected + ")");
        }
    }
}
