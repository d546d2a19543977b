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

    /** Reads the identity of a regular file without following symlinks. */
    public static FileIdentity of(Path file) throws IOException {
        return of(Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    }

    public static FileIdentity of(BasicFileAttributes attrs) {
        Object key = attrs.fileKey();
        return new FileIdentity(attrs.size(), attrs.lastModifiedTime().toMillis(), key == null ? "" : key.toString());
    }
}
