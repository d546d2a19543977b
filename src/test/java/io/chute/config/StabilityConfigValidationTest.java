package io.chute.config;

import io.chute.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chute.rules[i].stability}: quiet-period by default, rename on request, never together with a marker. */
class StabilityConfigValidationTest {

    @TempDir
    Path tmp;

    private Map<String, String> rule(String... keyValues) throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("chute.state-dir", tmp.resolve("state").toString());
        p.put("chute.rules[0].name", "inbox");
        p.put("chute.rules[0].path", Files.createDirectories(tmp.resolve("inbox")).toString());
        p.put("chute.rules[0].bucket", "my-bucket");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void byDefault_aRuleWaitsForTheQuietPeriod() throws Exception {
        DropRule rule = DropRule.from(TestConfig.of(rule()).rules().get(0));
        assertThat(rule.stability()).isEqualTo(ChuteConfig.Stability.QUIET_PERIOD);
        assertThat(rule.trustsVisibleFiles()).isFalse();
    }

    @Test
    void rename_isAccepted_andMakesVisibleFilesComplete() throws Exception {
        ChuteConfig config = TestConfig.of(rule("chute.rules[0].stability", "rename"));
        assertThat(ConfigValidator.validate(config)).isEmpty();
        assertThat(DropRule.from(config.rules().get(0)).trustsVisibleFiles()).isTrue();
    }

    @Test
    void renameWithAMarker_isRefused_namingTheProperty() throws Exception {
        List<String> errors = ConfigValidator.validate(TestConfig.of(rule("chute.rules[0].stability", "rename",
                "chute.rules[0].marker", ".done")));
        assertThat(errors).singleElement().asString().startsWith("chute.rules[0].stability: rename cannot be combined");
    }
}
