package io.chute.stability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * What proves a file is still the one Chute observed: size, modification time and the file-system key
 * (device and inode on Unix). Any difference means the content may have changed.
 */
public record FileIdentity(long sizeInBytes, long mtimeMillis, String fileKey) {

    public FileIdentity {
        Objects.requireNonNull(fileKey, "fileKey");
    }

    /**
     * Reads the identity of the regular file at {@code file}; a symbolic link yields its target's identity
     * (whether links are admitted at all is the rule's decision, made at discovery and by the stability gate).
     *
     * @throws NotRegularFileException for FIFOs, sockets, devices and directories, which are never opened
     */
    public static FileIdentity of(Path file) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isSymbolicLink()) {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        }
        if (!attrs.isRegularFile()) {
            throw new NotRegularFileException(file);
        }
        return of(attrs);
    }

    public static FileIdentity of(BasicFileAttributes attrs) {
        Object key = attrs.fileKey();
        return new FileIdentity(attrs.size(), attrs.lastModifiedTime().toMillis(), key == null ? "" : key.toString());
    }

    /** The path is (no longer) a regular file: a FIFO, socket, device or directory. */
    public static final class NotRegularFileException extends IOException {
        public NotRegularFileException(Path file) {
            super(file + " is not a regular file");
        }
    }
}
