package io.chute.upload;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Rule pauses: how long, and what the periodic bucket probe may end. */
class RuleHealthTest {

    private final RuleHealth health = new RuleHealth(Clock.systemUTC());

    @Test
    void aBucketProbeThatSucceeds_endsABucketOrCredentialsPause_butNotARefusedWriteOrStoreUnsupportedOne() {
        health.failed("a", FailureReason.NO_SUCH_BUCKET, "404 NoSuchBucket");
        health.failed("b", FailureReason.STORE_UNSUPPORTED, "501 NotImplemented: Unknown header x-amz-tagging");
        health.failed("w", FailureReason.ACCESS_DENIED, "PutObject 403 AccessDenied");

        health.probeSucceeded("a");
        health.probeSucceeded("b");
        health.probeSucceeded("w");

        assertThat(health.failing("a")).isEmpty();
        assertThat(health.failing("b")).hasValueSatisfying(f -> assertThat(f.detail()).contains("x-amz-tagging"));
        assertThat(health.failing("w")).as("HeadBucket needs only s3:ListBucket: no proof that writes work")
                .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo("access_denied"));
    }

    @Test
    void aPauseTheBucketProbeRecorded_isEndedByItsSuccess_andAWriteProbeEndsARefusedWrite() {
        health.probeFailed("p", FailureReason.ACCESS_DENIED, "HeadBucket 403");
        health.probeSucceeded("p");
        assertThat(health.failing("p")).isEmpty();

        health.failed("w", FailureReason.ACCESS_DENIED, "PutObject 403");
        health.probeFailed("w", FailureReason.ACCESS_DENIED, "HeadBucket 403");
        health.probeSucceeded("w");
        assertThat(health.failing("w")).as("the write failed first: the probe's success is not enough").isPresent();
        health.writeProbeSucceeded("w");
        assertThat(health.failing("w")).isEmpty();

        health.failed("u", FailureReason.STORE_UNSUPPORTED, "501");
        health.writeProbeSucceeded("u");
        assertThat(health.failing("u")).isPresent();
    }

    @Test
    void aRuleRefusedUntilRestart_staysPausedThroughUploadsAndProbes_whileOtherRulesAreUnaffected() {
        health.refusedUntilRestart("sse", FailureReason.STORE_UNSUPPORTED, "SSE AES256 requested but not kept");
        health.failed("sse", FailureReason.ACCESS_DENIED, "403");

        health.succeeded("sse");
        health.probeSucceeded("sse");
        health.writeProbeSucceeded("sse");

        assertThat(health.pausedFor("sse")).hasValueSatisfying(p -> {
            assertThat(p.remaining()).isEqualTo(Duration.ofHours(1));
            assertThat(p.failing().reason()).isEqualTo("store_unsupported");
            assertThat(p.failing().detail()).isEqualTo("SSE AES256 requested but not kept");
        });
        assertThat(health.allFailing()).containsOnlyKeys("sse");
        assertThat(health.failing("other")).isEmpty();
    }

    @Test
    void storeUnsupported_pausesTheRuleForMinutes_notSeconds() {
        Duration pause = health.failed("b", FailureReason.STORE_UNSUPPORTED, "501 NotImplemented");
        assertThat(pause).isGreaterThanOrEqualTo(Duration.ofMinutes(2).plusSeconds(30));
        assertThat(health.failed("c", FailureReason.NO_SUCH_BUCKET, "404")).isLessThanOrEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aRulePause_lastsAtLeastHalfItsCeiling_soAPausedRuleNeverRetriesAtOnce() {
        for (int attempt = 1; attempt <= 200; attempt++) {
            Duration pause = new RuleHealth(Clock.systemUTC()).failed("r", FailureReason.ACCESS_DENIED, "403");
            assertThat(pause).as("first pause, draw %d", attempt).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        }
    }
}
