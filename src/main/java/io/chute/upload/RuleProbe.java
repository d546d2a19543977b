package io.chute.upload;

import io.chute.config.DropRule;
import io.chute.multipart.ObjectUploader;
import io.chute.upload.UploadOutcome.RetryLater;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.UUID;

/**
 * Writes a tiny object with a rule's own object options under {@code .chute-probe/} (then deletes it): what
 * proves a rule's writes work, where a HeadBucket proves only that the bucket answers. Used by the periodic
 * bucket probe to end a pause caused by a refused write once writes are accepted again.
 */
public final class RuleProbe {

    /** The reserved prefix of probe objects (the endpoint probe's too). */
    public static final String PREFIX = ".chute-probe/";

    private static final Logger LOG = Logger.getLogger(RuleProbe.class);

    private RuleProbe() {
    }

    /** Empty when the probe write succeeded; else how the refusal classifies. */
    public static Optional<UploadOutcome> write(ObjectUploader objects, DropRule rule) {
        String key = PREFIX + "rule-" + UUID.randomUUID();
        try {
            objects.probeWrite(rule.bucket(), key, ObjectTargets.probeOptions(rule));
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(FailureClassifier.classify(e));
        }
    }

    /**
     * The periodic check of a paused rule once its pause is over (the bucket probe's HeadBucket has already run):
     * a probe write; its success ends the pause ({@link RuleHealth#writeProbeSucceeded}), its refusal extends it.
     * Returns whether the rule is healthy afterwards. Does nothing for a rule that is not failing or still paused.
     */
    public static boolean checkPaused(ObjectUploader objects, DropRule rule, RuleHealth health) {
        if (health.failing(rule.name()).isEmpty()) {
            return true;
        }
        if (health.pausedFor(rule.name()).isPresent()) {
            return false;
        }
        Optional<UploadOutcome> refused = write(objects, rule);
        if (refused.isEmpty()) {
            health.writeProbeSucceeded(rule.name());
            LOG.infof("rule=%s bucket=%s a probe write succeeded; the rule's writes are accepted again", rule.name(),
                    rule.bucket());
            return health.failing(rule.name()).isEmpty();
        }
        if (refused.get() instanceof RetryLater r) {
            health.failed(rule.name(), r.reason(), "probe write: " + r.detail());
        } else {
            LOG.warnf("rule=%s bucket=%s probe write refused: %s", rule.name(), rule.bucket(), refused.get());
        }
        return false;
    }
}
