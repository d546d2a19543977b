package io.chute.observability;

import io.chute.config.DropRule;
import io.chute.upload.FailureReason;
import io.chute.testing.TestRules;
import io.chute.upload.RuleHealth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class RuleChecksTest {

    @TempDir
    Path tmp;

    private final RuleHealth health = new RuleHealth(Clock.systemUTC());
    private final FatalErrors fatal = new FatalErrors();

    private DropRule rule(Path folder) {
        TestRules rule = TestRules.in(folder);
        rule.bucket = "bucket";
        return rule.build();
    }

    @Test
    void readableFolder_healthyBucket_noFatalError_isNoProblem() {
        assertThat(new RuleChecks(health, fatal, Duration.ZERO).problem(rule(tmp))).isEmpty();
    }

    @Test
    void missingFolder_isTheProblem_andNamesTheFolder() {
        Path gone = tmp.resolve("gone");
        assertThat(new RuleChecks(health, fatal, Duration.ZERO).problem(rule(gone))).get().asString()
                .contains(gone.toString()).contains("missing");
    }

    @Test
    void folderCheck_isCachedForItsTtl() throws Exception {
        Path folder = Files.createDirectory(tmp.resolve("in"));
        RuleChecks checks = new RuleChecks(health, fatal, Duration.ofHours(1));
        assertThat(checks.problem(rule(folder))).isEmpty();
        Files.delete(folder);
        assertThat(checks.problem(rule(folder))).as("cached").isEmpty();
        assertThat(new RuleChecks(health, fatal, Duration.ZERO).problem(rule(folder))).isPresent();
    }

    @Test
    void failingBucket_andLatchedFatalError_areProblems() {
        health.failed("inbox", FailureReason.ACCESS_DENIED, "403 AccessDenied");
        assertThat(new RuleChecks(health, fatal, Duration.ZERO).problem(rule(tmp))).get().asString()
                .contains("access_denied").contains("403 AccessDenied");
        health.succeeded("inbox");
        fatal.handler().uncaughtException(new Thread("chute-watcher"), new OutOfMemoryError("test"));
        fatal.latch("a second error");
        assertThat(new RuleChecks(health, fatal, Duration.ZERO).problem(rule(tmp))).get().asString()
                .contains("fatal").contains("chute-watcher").doesNotContain("second");
    }
}
