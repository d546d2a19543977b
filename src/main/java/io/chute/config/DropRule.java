package io.chute.config;

import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.config.ChuteConfig.Rule;
import io.chute.config.ChuteConfig.Stability;
import io.chute.config.ChuteConfig.Symlinks;
import io.chute.config.ChuteConfig.WatchMode;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One validated rule as the pipeline stages see it: plain values, absolute normalized folders and compiled
 * globs. Built once from {@link Rule}; immutable and safe to share between threads.
 */
public record DropRule(
        String name,
        Path folder,
        String bucket,
        String prefix,
        String keyTemplate,
        boolean recursive,
        List<PathMatcher> includes,
        List<PathMatcher> excludes,
        Duration quietPeriod,
        WatchMode watchMode,
        Duration pollInterval,
        Optional<String> marker,
        Stability stability,
        Duration maxStabilize,
        Symlinks symlinks,
        AfterUpload afterUpload,
        Optional<Path> archiveDir,
        Optional<Path> quarantineDir,
        Optional<Integer> maxAttempts,
        Map<String, String> metadata,
        TargetOptions target) {

    public static DropRule from(Rule rule) {
        return new DropRule(
                rule.name(),
                rule.path().toAbsolutePath().normalize(),
                rule.bucket(),
                rule.prefix().orElse(""),
                rule.key(),
                rule.recursive(),
                globs(rule.include().orElse(List.of())),
                globs(rule.exclude().orElse(List.of())),
                rule.quietPeriod(),
                rule.watchMode(),
                rule.pollInterval(),
                rule.marker().filter(m -> !m.isBlank()),
                rule.stability(),
                rule.maxStabilize(),
                rule.symlinks(),
                rule.afterUpload(),
                rule.archiveDir().map(p -> p.toAbsolutePath().normalize()),
                rule.quarantineDir().map(p -> p.toAbsolutePath().normalize()),
                rule.maxAttempts(),
                Map.copyOf(rule.metadata()),
                TargetOptions.from(rule));
    }

    /**
     * The rule of a one-shot upload ({@code chute upload FILE s3://bucket/key}): the file's folder, the exact
     * key (as the prefix, with an empty key template), source kept, no globs.
     */
    public static DropRule oneFile(String name, Path file, String bucket, String key) {
        return new DropRule(name, file.toAbsolutePath().normalize().getParent(), bucket, key, "", false, List.of(),
                List.of(), Duration.ZERO, WatchMode.POLL, Duration.ofSeconds(5), Optional.empty(), Stability.QUIET_PERIOD,
                Duration.ofHours(1),
                Symlinks.SKIP, AfterUpload.KEEP, Optional.empty(), Optional.empty(), Optional.empty(), Map.of(),
                TargetOptions.defaults());
    }

    /** Whether a file at this path relative to {@link #folder()} passes the include and exclude globs. */
    public boolean selects(Path relative) {
        boolean included = includes.isEmpty() || includes.stream().anyMatch(m -> m.matches(relative));
        return included && excludes.stream().noneMatch(m -> m.matches(relative));
    }

    /** The marker file of {@code file} in marker mode. */
    public Optional<Path> markerOf(Path file) {
        return marker.map(suffix -> file.resolveSibling(file.getFileName() + suffix));
    }

    /** Whether a file this rule selects is complete as soon as it is seen ({@code stability: rename}, no marker). */
    public boolean trustsVisibleFiles() {
        return marker.isEmpty() && stability == Stability.RENAME;
    }

    /** Whether {@code file} is itself a marker (never uploaded). */
    public boolean isMarker(Path file) {
        return marker.isPresent() && file.getFileName().toString().endsWith(marker.get());
    }

    private static List<PathMatcher> globs(List<String> patterns) {
        return patterns.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
    }
}
