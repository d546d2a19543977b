package io.chute.watch;

import io.chute.config.DropRule;

import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a path is a candidate for upload at all: a regular file (never a symlink, FIFO, socket or
 * device, so nothing blocks on open), not a temp or hidden name, not one of Chute's own files, and selected by
 * the rule's globs.
 */
public final class CandidateFilter {

    /** Suffix of Chute's sidecar checkpoint files. */
    public static final String SIDECAR_SUFFIX = ".upload_state";
    private static final List<String> TEMP_SUFFIXES =
            List.of(".tmp", ".part", ".partial", ".crdownload", ".filepart", ".swp");

    private CandidateFilter() {
    }

    public static boolean accepts(DropRule rule, Path file, BasicFileAttributes attrs) {
        return attrs.isRegularFile() && !attrs.isSymbolicLink() && acceptsName(rule, file);
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
        if (name.startsWith("~") || lower.contains(SIDECAR_SUFFIX)) {
            return false; // Office lock files; sidecars and corrupt-sidecar copies
        }
        for (String suffix : TEMP_SUFFIXES) {
            if (lower.endsWith(suffix)) {
                return false;
            }
        }
        return rule.selects(relative);
    }
}
