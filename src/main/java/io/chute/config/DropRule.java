package io.chute.config;

import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.config.ChuteConfig.Rule;

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
        AfterUpload afterUpload,
        Optional<Path> archiveDir,
        Optional<Path> quarantineDir,
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
                rule.afterUpload(),
                rule.archiveDir().map(p -> p.toAbsolutePath().normalize()),
                rule.quarantineDir().map(p -> p.toAbsolutePath().normalize()),
                Map.copyOf(rule.metadata()),
                TargetOptions.from(rule));
    }

    /** Whether a file at this path relative to {@link #folder()} passes the include and exclude globs. */
    public boolean selects(Path relative) {
        boolean included = includes.isEmpty() || includes.stream().anyMatch(m -> m.matches(relative));
        return included && excludes.stream().noneMatch(m -> m.matches(relative));
    }

    private static List<PathMatcher> globs(List<String> patterns) {
        return patterns.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
    }
}
