package io.chute.daemon;

import io.chute.config.DropRule;
import io.chute.engine.UploadEngine;
import io.chute.s3.BucketChecks;
import io.chute.s3.EndpointProbe;
import io.chute.upload.OrphanJanitor;
import io.chute.upload.RuleProbe;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What runs once at start, before any worker: forgetting checkpoints of files that are gone, the first orphan
 * sweep, the bucket lifecycle warning and the endpoint probe. Each step only logs when it fails; none stops the
 * daemon (an unreachable bucket pauses its rule once files arrive).
 */
final class StartupChecks {

    private static final Logger LOG = Logger.getLogger(StartupChecks.class);

    private final Stages stages;

    StartupChecks(Stages stages) {
        this.stages = stages;
    }

    void run() {
        forgetVanishedFiles();
        sweepOrphans(true);
        warnWithoutLifecycleRule();
        probeEndpoints();
    }

    /**
     * Sidecars whose file is gone (deleted while Chute was stopped, or by a post-action right before a crash)
     * would otherwise stay forever and keep their upload "referenced".
     */
    private void forgetVanishedFiles() {
        for (DropRule rule : stages.rules) {
            try {
                for (Path source : stages.engine.sidecars().filesWithoutSource(rule.folder(), rule.recursive())) {
                    for (OrphanJanitor janitor : stages.janitors) {
                        if (janitor.forgetVanished(source)) {
                            break;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf("rule=%s could not look for checkpoints of vanished files (%s); they stay until the next start",
                        rule.name(), e.toString());
            }
        }
    }

    /** One sweep of every connection's janitor; {@code startup} treats every unreferenced entry as an orphan. */
    void sweepOrphans(boolean startup) {
        for (OrphanJanitor janitor : stages.janitors) {
            try {
                int aborted = janitor.sweep(startup);
                if (aborted > 0) {
                    LOG.infof("orphan janitor aborted %d multipart upload(s) of this installation", aborted);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf("orphan janitor sweep failed (%s); it runs again in %s", e.toString(),
                        stages.config.janitor().interval());
            }
        }
    }

    /** Uploads orphaned before Chute knew their id can only be removed by a bucket lifecycle rule. */
    private void warnWithoutLifecycleRule() {
        for (Target target : targets()) {
            try {
                if (!BucketChecks.abortsIncompleteUploads(target.lane().s3(), target.bucket())) {
                    LOG.warnf("bucket=%s has no AbortIncompleteMultipartUpload lifecycle rule; add one (e.g. 7 days)"
                            + " so uploads orphaned outside Chute's knowledge are removed", target.bucket());
                }
            } catch (RuntimeException e) {
                LOG.warnf("bucket=%s lifecycle configuration not readable (%s); make sure an"
                        + " AbortIncompleteMultipartUpload rule exists", target.bucket(), e.getMessage());
            }
        }
    }

    /** Which guarantees each rule's bucket honours ({@code chute.s3.probe}); failures only warn. */
    private void probeEndpoints() {
        if (!stages.config.s3().probe()) {
            return;
        }
        for (Target target : targets()) {
            EndpointProbe.Guarantees g = EndpointProbe.probe(target.lane().s3(), target.bucket());
            EndpointProbe.log(g);
            if (g.crc32cChecksums() && "auto".equals(stages.config.upload().verify())) {
                target.lane().objects().trustPutChecksums(target.bucket());
                LOG.infof("bucket=%s small files are proven by the PutObject response's CRC32C (chute.upload.verify=auto);"
                        + " multipart uploads are read back with HeadObject", target.bucket());
            }
            stages.rules.stream().filter(r -> r.bucket().equals(g.bucket()) && !r.target().overwrite()
                            && !g.conditionalWrites())
                    .forEach(r -> LOG.warnf("rule=%s has overwrite: false but bucket=%s does not enforce"
                            + " If-None-Match: an existing object may be overwritten", r.name(), g.bucket()));
            if (g.conditionalWrites() && !g.conditionalComplete()) {
                target.lane().objects().headBeforeComplete(target.bucket());
            }
            for (DropRule r : stages.rules) {
                if (r.bucket().equals(g.bucket()) && stages.engine.lane(r) == target.lane()) {
                    stages.status.fallbacks(r.name(), fallbacks(r, g));
                }
            }
        }
        // each rule's own object options (storage class, SSE, ACL, tags): a rule the store refuses is not ready
        for (DropRule rule : stages.rules) {
            RuleProbe.atStart(stages.engine.lane(rule).objects(), rule, stages.ruleHealth);
        }
    }

    /** Which safe fallbacks the rule uses on this store, logged once at start (and shown on /q/status). */
    private static List<String> fallbacks(DropRule rule, EndpointProbe.Guarantees g) {
        List<String> fallbacks = new java.util.ArrayList<>();
        if (!rule.target().overwrite() && g.conditionalWrites() && !g.conditionalComplete()) {
            fallbacks.add("HeadObject just before CompleteMultipartUpload, since the store ignores If-None-Match there"
                    + " (race window: an object stored between that HeadObject and the Complete is overwritten)");
        }
        if (!g.crc32cChecksums()) {
            fallbacks.add("verification by MD5 ETag (Content-MD5 on every part), since CRC32C is not honoured");
        }
        if (!rule.target().tags().isEmpty()) {
            fallbacks.add("tags of multipart objects read back after Complete, set with PutObjectTagging if dropped");
        }
        if (fallbacks.isEmpty()) {
            LOG.infof("rule=%s bucket=%s no fallbacks needed", rule.name(), rule.bucket());
        } else {
            LOG.infof("rule=%s bucket=%s fallbacks in use: %s", rule.name(), rule.bucket(), String.join("; ", fallbacks));
        }
        return fallbacks;
    }

    /** A bucket with the lane (client) of its rule's connection. */
    private record Target(UploadEngine.Lane lane, String bucket) {
    }

    /** Each distinct bucket of the rules, once per connection. */
    private List<Target> targets() {
        return stages.rules.stream().map(r -> new Target(stages.engine.lane(r), r.bucket())).distinct().toList();
    }
}
