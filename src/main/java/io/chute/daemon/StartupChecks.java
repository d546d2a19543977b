package io.chute.daemon;

import io.chute.config.DropRule;
import io.chute.engine.UploadEngine;
import io.chute.s3.BucketChecks;
import io.chute.s3.EndpointProbe;
import io.chute.upload.OrphanJanitor;
import io.chute.upload.RuleOptionsCheck;
import io.chute.upload.RuleProbe;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What runs once at start, before any worker: forgetting checkpoints of files that are gone, the first orphan
 * sweep, the bucket lifecycle warning, the endpoint probe and the probe of each rule's object options. Each step
 * only logs when it fails; none stops the daemon (an unreachable bucket pauses its rule once files arrive; a rule
 * whose options the store refuses or does not keep is reported by its probe).
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

    /**
     * Which guarantees each rule's bucket honours ({@code chute.s3.probe}), then whether each rule's own object
     * options are kept ({@link RuleProbe#atStart}); failures only warn. Each rule's fallbacks and limitations go
     * to /q/status.
     */
    private void probeEndpoints() {
        if (!stages.config.s3().probe()) {
            return;
        }
        Map<Target, EndpointProbe.Guarantees> guarantees = new HashMap<>();
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
            guarantees.put(target, g);
        }
        for (DropRule rule : stages.rules) {
            UploadEngine.Lane lane = stages.engine.lane(rule);
            RuleOptionsCheck options = RuleProbe.atStart(lane.objects(), rule, stages.ruleHealth);
            List<String> shown = new ArrayList<>(fallbacks(rule, guarantees.get(new Target(lane, rule.bucket())),
                    options.fallbacks()));
            shown.addAll(options.limitations());
            stages.status.fallbacks(rule.name(), shown);
        }
    }

    /**
     * Which safe fallbacks the rule uses on this store (those its options' probe chose included), logged once at
     * start; limitations are logged by the probe itself.
     */
    private static List<String> fallbacks(DropRule rule, EndpointProbe.Guarantees g, List<String> ofOptions) {
        List<String> fallbacks = new ArrayList<>();
        if (!rule.target().overwrite() && g.conditionalWrites() && !g.conditionalComplete()) {
            fallbacks.add("HeadObject just before CompleteMultipartUpload, since the store ignores If-None-Match there"
                    + " (race window: an object stored between that HeadObject and the Complete is overwritten)");
        }
        if (!g.crc32cChecksums()) {
            fallbacks.add("verification by MD5 ETag (Content-MD5 on every part), since CRC32C is not honoured");
        }
        fallbacks.addAll(ofOptions);
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
