package io.chute.daemon;

import io.chute.config.DropRule;
import io.chute.s3.BucketChecks;
import io.chute.upload.FailureClassifier;
import io.chute.upload.FailureReason;
import io.chute.upload.RuleProbe;
import io.chute.upload.UploadOutcome;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * The daemon's periodic work, each skipped while the daemon is not running and never run twice at once: the
 * full rescan (events are hints, scans are truth), the orphan janitor's sweep, and the bucket probe that keeps
 * readiness current for rules with no uploads.
 */
@ApplicationScoped
public class DaemonSchedules {

    private static final Logger LOG = Logger.getLogger(DaemonSchedules.class);

    @Inject
    Pipeline pipeline;

    @Scheduled(every = "${chute.watch.rescan-interval}", delayed = "${chute.watch.rescan-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void rescan() {
        pipeline.stages().ifPresent(s -> s.watcher.rescanAll());
    }

    @Scheduled(every = "${chute.janitor.interval}", delayed = "${chute.janitor.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweepOrphans() {
        pipeline.stages().ifPresent(s -> new StartupChecks(s).sweepOrphans(false));
    }

    @Scheduled(every = "${chute.health.bucket-probe-interval}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void probeBuckets() {
        pipeline.stages().ifPresent(this::probeBuckets);
    }

    private void probeBuckets(Stages s) {
        for (DropRule rule : s.rules) {
            try {
                BucketChecks.reachable(s.engine.lane(rule).s3(), rule.bucket());
                s.ruleHealth.probeSucceeded(rule.name());
                // a write refused (403 on PutObject) is not disproved by HeadBucket: once its pause is over, a
                // probe write with the rule's options decides
                RuleProbe.checkPaused(s.engine.lane(rule).objects(), rule, s.ruleHealth);
            } catch (RuntimeException e) {
                if (FailureClassifier.classify(e) instanceof UploadOutcome.RetryLater r) {
                    s.ruleHealth.probeFailed(rule.name(), r.reason(), r.detail());
                    if (r.reason() == FailureReason.CREDENTIALS) {
                        s.metrics.credentialRefreshFailed("probe");
                    }
                }
                LOG.warnf("rule=%s bucket=%s is not reachable: %s", rule.name(), rule.bucket(), e.getMessage());
            }
        }
    }
}
