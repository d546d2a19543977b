package io.chute.upload;

import io.chute.config.DropRule;
import io.chute.config.TargetOptions;
import io.chute.multipart.ObjectOptions;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.ProbeObject;
import io.chute.multipart.StoredOptions;
import io.chute.upload.UploadOutcome.RetryLater;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Writes a tiny object with a rule's own object options under {@code .chute-probe/} (then deletes it): what
 * proves a rule's writes work, where a HeadBucket proves only that the bucket answers. At start it also reads
 * back what the store kept ({@link #atStart}); the periodic bucket probe uses a plain probe write to end a pause
 * caused by a refused write once writes are accepted again.
 */
public final class RuleProbe {

    /** The reserved prefix of probe objects (the endpoint probe's too). */
    public static final String PREFIX = ".chute-probe/";

    private static final Logger LOG = Logger.getLogger(RuleProbe.class);

    /** Failures that say nothing about the rule's options: the probe at start leaves them unchecked. */
    private static final Set<FailureReason> TRANSIENT = Set.of(FailureReason.THROTTLED, FailureReason.SERVER_ERROR,
            FailureReason.NETWORK);

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
     * At start, for a rule that sets a storage class, SSE, ACL, tags or metadata: a probe object written with those
     * options by PutObject, read back, written again by a one-part multipart upload, read back, deleted (7 to 11
     * requests). Acts on the answer:
     * <ul>
     * <li>a write refused: the rule is not ready with the reason (e.g. "storage class STANDARD_IA not offered by
     * this store"), recorded as {@code store_unsupported} so its files wait instead of failing one by one; other
     * rule-wide refusals (403, an unreachable bucket) pause it as an upload's would; a transient failure (5xx,
     * throttling, network) leaves the options unchecked, with a warning;</li>
     * <li>SSE not kept: the rule uploads nothing until restart ({@link RuleHealth#refusedUntilRestart}), since its
     * uploads would succeed with the objects unencrypted;</li>
     * <li>anything else not kept: a warning each; the caller shows the returned fallbacks and limitations.</li>
     * </ul>
     * Reads the store refuses (GetObjectTagging, GetObjectAcl without permission) only warn: not checked.
     */
    public static RuleOptionsCheck atStart(ObjectUploader objects, DropRule rule, RuleHealth health) {
        TargetOptions t = rule.target();
        if (t.storageClass().isEmpty() && t.sse() == TargetOptions.Sse.NONE && t.acl().isEmpty() && t.tags().isEmpty()
                && rule.metadata().isEmpty()) {
            return RuleOptionsCheck.NOT_PROBED;
        }
        ObjectOptions options = ObjectTargets.probeOptions(rule);
        StoredOptions singlePart;
        StoredOptions multipart;
        try (ProbeObject probe = objects.probeObject(rule.bucket(), PREFIX + "rule-" + UUID.randomUUID(), options)) {
            try {
                probe.put();
                singlePart = probe.readBack();
                probe.multipart();
                multipart = probe.readBack();
            } catch (RuntimeException e) {
                return refusedAtStart(rule, health, e, probe.lastRequest());
            }
        }
        RuleOptionsCheck check = RuleOptionsCheck.compare(options, singlePart, multipart);
        check.notReady().ifPresent(reason -> {
            health.refusedUntilRestart(rule.name(), FailureReason.STORE_UNSUPPORTED, reason);
            LOG.errorf("rule=%s bucket=%s is not ready until restart: %s; its objects would be stored unencrypted"
                    + " (remove sse from the rule or use a store that applies it)", rule.name(), rule.bucket(), reason);
        });
        check.limitations().forEach(l -> LOG.warnf("rule=%s bucket=%s %s; uploads go on without it", rule.name(),
                rule.bucket(), l));
        if (!check.notChecked().isEmpty()) {
            LOG.warnf("rule=%s bucket=%s could not read back what the store kept of the rule's options (%s); not"
                    + " checked", rule.name(), rule.bucket(), String.join("; ", check.notChecked()));
        }
        return check;
    }

    private static RuleOptionsCheck refusedAtStart(DropRule rule, RuleHealth health, RuntimeException e,
                                                   String request) {
        UploadOutcome outcome = FailureClassifier.classify(e);
        if (outcome instanceof RetryLater r && TRANSIENT.contains(r.reason())) {
            LOG.warnf("rule=%s bucket=%s the probe of the rule's options did not complete (%s: %s); they are not"
                    + " checked", rule.name(), rule.bucket(), request, r.detail());
            return RuleOptionsCheck.notChecked(request + ": " + r.detail());
        }
        Optional<String> storageClass = rule.target().storageClass();
        String code = e instanceof S3Exception s3 && s3.awsErrorDetails() != null
                ? String.valueOf(s3.awsErrorDetails().errorCode()) : "";
        boolean carriesOptions = request.equals("PutObject") || request.equals("CreateMultipartUpload");
        String reason;
        if (storageClass.isPresent() && carriesOptions && (code.equals("InvalidStorageClass")
                || (code.equals("InvalidArgument") && ((S3Exception) e).statusCode() == 400))) {
            reason = "storage class " + storageClass.get() + " not offered by this store"
                    + (request.equals("PutObject") ? "" : " for multipart uploads") + " (" + request
                    + " with the rule's options got " + ((S3Exception) e).statusCode() + " " + code + ")";
            health.failed(rule.name(), FailureReason.STORE_UNSUPPORTED, reason);
        } else if (outcome instanceof RetryLater r && r.scope() != RetryLater.Scope.FILE) {
            reason = r.reason().tag() + ": " + r.detail();
            health.failed(rule.name(), r.reason(), "probe " + request + " at start: " + r.detail());
        } else {
            reason = "the store refused " + request + " with the rule's options (storage-class, sse, acl, tags,"
                    + " metadata): " + e.getMessage();
            health.failed(rule.name(), FailureReason.STORE_UNSUPPORTED, reason);
        }
        LOG.errorf("rule=%s bucket=%s is not ready: %s", rule.name(), rule.bucket(), reason);
        return RuleOptionsCheck.refused(reason);
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
