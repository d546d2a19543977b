package io.chute.watch;

import io.chute.config.ChuteConfig.Symlinks;
import io.chute.config.DropRule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a path is a candidate for upload at all: a regular file (never a FIFO, socket or device, so
 * nothing blocks on open; a symbolic link only under {@code symlinks: follow-inside-root} and only when its
 * target is a regular file inside the rule's folder), not a temp or hidden name, not a marker, and selected by
 * the rule's globs. Chute's own sidecars are not recognised here by name: a name is no proof, so the daemon
 * skips only files whose content verifies as its own (see {@code SidecarStore#isOwnArtefact}).
 */
public final class CandidateFilter {

    /** Suffix of Chute's sidecar checkpoint files. */
    public static final String SIDECAR_SUFFIX = ".upload_state";
    private static final List<String> TEMP_SUFFIXES =
            List.of(".tmp", ".part", ".partial", ".crdownload", ".filepart", ".swp");

    private CandidateFilter() {
    }

    /** Reads the path's own attributes (links not followed) and applies {@link #accepts}; false if unreadable. */
    public static boolean admits(DropRule rule, Path file) {
        try {
            return accepts(rule, file, Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return false;
        }
    }

    /** @param attrs the path's own attributes, read without following links */
    public static boolean accepts(DropRule rule, Path file, BasicFileAttributes attrs) {
        if (!acceptsName(rule, file)) {
            return false;
        }
        if (attrs.isRegularFile()) {
            return true;
        }
        return attrs.isSymbolicLink() && linkAdmitted(rule, file);
    }

    private static boolean linkAdmitted(DropRule rule, Path link) {
        if (rule.symlinks() != Symlinks.FOLLOW_INSIDE_ROOT) {
            return false;
        }
        try {
            Path target = link.toRealPath();
            return target.startsWith(rule.folder().toRealPath()) && Files.isRegularFile(target);
        } catch (IOException dangling) {
            return false;
        }
    }

    /** The name-only part of {@link #accepts}: usable before the file's attributes are read. */
    public static boolean acceptsName(DropRule rule, Path file) {
        Path relative = rule.folder().relativize(file);
        for (Path segment : relative) {
            if (segment.toString().startsWith(".")) {
                return false; // hidden files and anything inside hidden folders
            }
        }
        String name = file.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        if (name.startsWith("~") || rule.isMarker(file)) {
            return false; // Office lock files; markers
        }
        for (String suffix : TEMP_SUFFIXES) {
            if (lower.endsWith(suffix)) {
                return false;
            }
        }
        return rule.selects(relative);
    }
}
