package io.chute.testing;

import io.chute.config.ChuteConfig;
import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.config.ChuteConfig.Symlinks;
import io.chute.config.ChuteConfig.WatchMode;
import io.chute.config.DropRule;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds {@link DropRule}s for unit tests with the packaged defaults; set only what a test is about. */
public final class TestRules {

    public String name = "inbox";
    public Path folder;
    public String bucket = S3TestResource.DEFAULT_BUCKET;
    public String prefix = "";
    public String key = "{path}";
    public Map<String, String> metadata = Map.of();
    public io.chute.config.TargetOptions target = io.chute.config.TargetOptions.defaults();
    public boolean recursive = true;
    public Duration quietPeriod = Duration.ZERO;
    public WatchMode watchMode = WatchMode.AUTO;
    public Duration pollInterval = Duration.ofSeconds(5);
    public String marker;
    public Duration maxStabilize = Duration.ofHours(1);
    public Symlinks symlinks = Symlinks.SKIP;
    public ChuteConfig.Stability stability = ChuteConfig.Stability.QUIET_PERIOD;
    public AfterUpload afterUpload = AfterUpload.KEEP;
    public Path archiveDir;
    public Integer maxAttempts;

    private TestRules(Path folder) {
        this.folder = folder.toAbsolutePath().normalize();
    }

    public static TestRules in(Path folder) {
        return new TestRules(folder);
    }

    public DropRule build() {
        return new DropRule(name, folder, bucket, prefix, key, recursive, List.of(), List.of(), quietPeriod,
                watchMode, pollInterval, Optional.ofNullable(marker), stability, maxStabilize, symlinks, afterUpload,
                Optional.ofNullable(archiveDir), Optional.empty(), Optional.ofNullable(maxAttempts), metadata,
                target);
    }
}
