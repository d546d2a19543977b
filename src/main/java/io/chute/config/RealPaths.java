package io.chute.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Where a configured path really is, so two paths that reach the same folder through a symbolic link compare
 * equal: the real path ({@link Path#toRealPath}) when it exists; otherwise the real path of its nearest existing
 * ancestor with the missing names appended (a state dir or quarantine folder created on first use still lands
 * where its existing parent really is).
 */
final class RealPaths {

    private RealPaths() {
    }

    static Path of(Path configured) {
        Path absolute = configured.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        Path real;
        try {
            real = existing.toRealPath();
        } catch (IOException danglingOrUnreadable) {
            return absolute;
        }
        return real.resolve(existing.relativize(absolute).toString()).normalize();
    }

    /** Whether {@code a} and {@code b} are the same folder or one lies inside the other. */
    static boolean overlap(Path a, Path b) {
        return a.startsWith(b) || b.startsWith(a);
    }
}
