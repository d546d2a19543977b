package io.chute.upload;

import io.chute.config.DropRule;
import io.chute.config.TargetOptions;
import io.chute.multipart.ObjectUploader;
import io.chute.upload.UploadOutcome.RetryLater;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.model.S3Exception;

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
        return refusal(objects, rule).map(FailureClassifier::classify);
    }

    private static Optional<RuntimeException> refusal(ObjectUploader objects, DropRule rule) {
        String key = PREFIX + "rule-" + UUID.randomUUID();
        try {
            objects.probeWrite(rule.bucket(), key, ObjectTargets.probeOptions(rule));
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(e);
        }
    }

    /**
     * At start, for a rule that asks for a storage class, SSE, ACL or tags: one probe write with those options.
     * A store that refuses them makes the rule not ready with the reason (e.g. "storage class STANDARD_IA not
     * offered by this store"), recorded as {@code store_unsupported} so its files wait instead of failing one by
     * one; other refusals (403, an unreachable bucket) pause it as an upload's would. Returns the reason, or
     * empty when the write was accepted (or the rule has no such options).
     */
    public static Optional<String> atStart(ObjectUploader objects, DropRule rule, RuleHealth health) {
        TargetOptions t = rule.target();
        if (t.storageClass().isEmpty() && t.sse() == TargetOptions.Sse.NONE && t.acl().isEmpty() && t.tags().isEmpty()) {
            return Optional.empty();
        }
        Optional<RuntimeException> refused = refusal(objects, rule);
        if (refused.isEmpty()) {
            return Optional.empty();
        }
        RuntimeException e = refused.get();
        UploadOutcome outcome = FailureClassifier.classify(e);
        String code = e instanceof S3Exception s3 && s3.awsErrorDetails() != null
                ? String.valueOf(s3.awsErrorDetails().errorCode()) : "";
        String reason;
        if (t.storageClass().isPresent() && (code.equals("InvalidStorageClass")
                || (code.equals("InvalidArgument") && ((S3Exception) e).statusCode() == 400))) {
            reason = "storage class " + t.storageClass().get() + " not offered by this store (the probe write with"
                    + " the rule's options got " + ((S3Exception) e).statusCode() + " " + code + ")";
            health.failed(rule.name(), FailureReason.STORE_UNSUPPORTED, reason);
        } else if (outcome instanceof RetryLater r && r.scope() != RetryLater.Scope.FILE) {
            reason = r.reason().tag() + ": " + r.detail();
            health.failed(rule.name(), r.reason(), "probe write at start: " + r.detail());
        } else {
            reason = "the store refused a write with the rule's options (storage-class, sse, acl, tags): "
                    + e.getMessage();
            health.failed(rule.name(), FailureReason.STORE_UNSUPPORTED, reason);
        }
        LOG.errorf("rule=%s bucket=%s is not ready: %s", rule.name(), rule.bucket(), reason);
        return Optional.of(reason);
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
