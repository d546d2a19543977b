package io.chute.observability;

import io.chute.config.DropRule;
import io.chute.upload.RuleHealth;
import io.chute.upload.StateDirHealth;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a rule can upload now, shared by readiness and the status API. Reads only cached state: the folder
 * check (a stat, repeated at most every {@code folderTtl}), the state dir's health (every rule depends on it),
 * {@link RuleHealth} (fed by uploads and the periodic bucket probe, never an S3 request here) and the
 * fatal-error latch.
 */
public final class RuleChecks {

    private record Checked(long atNanos, Optional<String> problem) {
    }

    private final RuleHealth health;
    private final StateDirHealth stateDir;
    private final FatalErrors fatal;
    private final Duration folderTtl;
    private final Map<String, Checked> folders = new ConcurrentHashMap<>();

    /** Checks without a state dir to watch (tests of the other checks). */
    public RuleChecks(RuleHealth health, FatalErrors fatal, Duration folderTtl) {
        this(health, null, fatal, folderTtl);
    }

    public RuleChecks(RuleHealth health, StateDirHealth stateDir, FatalErrors fatal, Duration folderTtl) {
        this.stateDir = stateDir;
        this.health = health;
        this.fatal = fatal;
        this.folderTtl = folderTtl;
    }

    /** Why the rule cannot upload now, or empty when it can. */
    public Optional<String> problem(DropRule rule) {
        Optional<String> folder = folderProblem(rule);
        if (folder.isPresent()) {
            return folder;
        }
        Optional<String> stateDirDown = stateDirProblem();
        if (stateDirDown.isPresent()) {
            return stateDirDown;
        }
        Optional<String> paused = health.failing(rule.name()).map(f -> "bucket " + rule.bucket() + " failing since "
                + f.since() + " (" + f.reason() + ": " + f.detail() + ")");
        if (paused.isPresent()) {
            return paused;
        }
        return fatal.latched().map(f -> "fatal error: " + f);
    }

    /** Why the state dir cannot be written now, or empty when it can (as far as the last write or probe showed). */
    public Optional<String> stateDirProblem() {
        return Optional.ofNullable(stateDir).flatMap(StateDirHealth::down).map(d -> "state dir " + d.stateDir()
                + " cannot be written since " + d.since() + " (state_dir_unavailable: " + d.detail() + ")");
    }

    private Optional<String> folderProblem(DropRule rule) {
        long now = System.nanoTime();
        Checked cached = folders.get(rule.name());
        if (cached != null && now - cached.atNanos() < folderTtl.toNanos()) {
            return cached.problem();
        }
        Optional<String> problem = Files.isDirectory(rule.folder()) && Files.isReadable(rule.folder())
                ? Optional.empty()
                : Optional.of("folder " + rule.folder() + " is missing or not a readable directory");
        folders.put(rule.name(), new Checked(now, problem));
        return problem;
    }
}
