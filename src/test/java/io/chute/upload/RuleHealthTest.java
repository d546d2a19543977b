package io.chute.upload;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Rule pauses: how long, and what the periodic bucket probe may end. */
class RuleHealthTest {

    private final RuleHealth health = new RuleHealth(Clock.systemUTC());

    @Test
    void aBucketProbeThatSucceeds_endsABucketOrCredentialsPause_butNotAStoreUnsupportedOne() {
        health.failed("a", FailureReason.ACCESS_DENIED, "403 AccessDenied");
        health.failed("b", FailureReason.STORE_UNSUPPORTED, "501 NotImplemented: Unknown header x-amz-tagging");

        health.probeSucceeded("a");
        health.probeSucceeded("b");

        assertThat(health.failing("a")).isEmpty();
        assertThat(health.failing("b")).hasValueSatisfying(f -> assertThat(f.detail()).contains("x-amz-tagging"));
    }

    @Test
    void storeUnsupported_pausesTheRuleForMinutes_notSeconds() {
        Duration pause = health.failed("b", FailureReason.STORE_UNSUPPORTED, "501 NotImplemented");
        assertThat(pause).isGreaterThanOrEqualTo(Duration.ofMinutes(2).plusSeconds(30));
        assertThat(health.failed("c", FailureReason.NO_SUCH_BUCKET, "404")).isLessThanOrEqualTo(Duration.ofSeconds(2));
    }
}
