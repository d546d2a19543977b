package io.chute.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Crash-consistent file primitives: fsync of files and directories, atomic replace, owner-only permissions. */
public final class Durable {

    private Durable() {
    }

    public static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Syncs a directory so a rename or create inside it survives power loss; ignored where unsupported. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignoredWhereUnsupported) {
            // some file systems refuse to open directories; the rename itself is still atomic
        }
    }

    /** Atomically replaces {@code target} with {@code source} and syncs the directory. */
    public static void moveAtomically(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(target.toAbsolutePath().getParent());
    }

    /** Writes {@code content} to {@code target} via temp file + fsync + atomic rename; owner-only permissions. */
    public static void writeAtomically(Path target, byte[] content) throws IOException {
        writeAtomically(target, content, () -> { });
    }

    /** As {@link #writeAtomically(Path, byte[])}; {@code beforeRename} runs once the temp file is synced. */
    public static void writeAtomically(Path target, byte[] content, Runnable beforeRename) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        writeVia(Files.createTempFile(dir, "." + target.getFileName(), ".tmp"), target, content, beforeRename);
    }

    /**
     * As {@link #writeAtomically(Path, byte[], Runnable)} through the temp file {@code tmp} (created new, beside
     * {@code target}): for callers that must recognise their own temp files by name after a crash.
     */
    public static void writeAtomicallyVia(Path tmp, Path target, byte[] content, Runnable beforeRename)
            throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(InstallationKey.ownerOnly()));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(tmp);
        }
        writeVia(tmp, target, content, beforeRename);
    }

    private static void writeVia(Path tmp, Path target, byte[] content, Runnable beforeRename) throws IOException {
        try {
            restrictToOwner(tmp);
            Files.write(tmp, content, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            fsync(tmp);
            beforeRename.run();
            moveAtomically(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, InstallationKey.ownerOnly());
        } catch (UnsupportedOperationException notPosix) {
            // non-POSIX file systems: permissions are the platform's default
        }
    }
}
