package io.chute.observability;

import io.chute.config.DropRule;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the health checks and the status route read of the running daemon. The daemon implements it; defining it
 * here keeps the arrows pointing one way (the daemon composes observability, observability never imports the
 * daemon).
 */
public interface DaemonView {

    /** Whether the pipeline runs (false in one-shot mode, before start and after stop). */
    boolean isStarted();

    /** The configured rules; empty until started. */
    List<DropRule> rules();

    /** The status API's source while the daemon runs. */
    Optional<StatusBoard> status();

    /** Cached per-rule readiness (folder, bucket/credentials/state dir, fatal latch); empty until started. */
    Optional<RuleChecks> ruleChecks();

    /** Time since the watcher loop last ran (liveness: a wedged loop stops beating). */
    Duration watcherSilence();

    /** Time since the stability tick last ran. */
    Duration tickSilence();

    /** Whether the watcher thread and every uploader worker are alive. */
    boolean threadsAlive();
}
