package io.chute.config;

import io.chute.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chute.rules[i].s3.*}: how a rule's overrides combine with {@code chute.s3} into its effective
 * {@link S3Connection}, and that invalid override values are reported under the rule's property path.
 */
class RuleS3OverrideTest {

    @TempDir
    Path tmp;

    private Map<String, String> twoRules() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("chute.state-dir", tmp.resolve("state").toString());
        p.put("chute.s3.endpoint", "http://127.0.0.1:9000");
        p.put("chute.s3.region", "eu-west-1");
        p.put("chute.s3.access-key-id", "GLOBALKEY");
        p.put("chute.s3.secret-access-key", "global-secret");
        for (int i = 0; i < 2; i++) {
            p.put("chute.rules[" + i + "].name", "rule" + i);
            p.put("chute.rules[" + i + "].path", Files.createDirectories(tmp.resolve("in" + i)).toString());
            p.put("chute.rules[" + i + "].bucket", "bucket-" + i);
        }
        return p;
    }

    private ChuteConfig config(String... keyValues) throws Exception {
        Map<String, String> p = twoRules();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return TestConfig.of(p);
    }

    private static S3Connection connectionOf(ChuteConfig config, int rule) {
        return S3Connection.of(config.s3(), config.rules().get(rule).s3());
    }

    @Test
    void aRuleWithoutOverrides_hasExactlyTheGlobalConnection() throws Exception {
        ChuteConfig config = config();

        assertThat(connectionOf(config, 0)).isEqualTo(S3Connection.of(config.s3()));
        assertThat(ConfigValidator.validate(config)).isEmpty();
    }

    @Test
    void endpointAndKeysOverridden_replaceThoseFields_andTheRestComesFromChuteS3() throws Exception {
        ChuteConfig config = config("chute.rules[1].s3.endpoint", "http://127.0.0.1:9100",
                "chute.rules[1].s3.access-key-id", "RULEKEY", "chute.rules[1].s3.secret-access-key", "rule-secret",
                "chute.rules[1].s3.max-parts", "1000");

        S3Connection b = connectionOf(config, 1);

        assertThat(ConfigValidator.validate(config)).isEmpty();
        assertThat(b.endpoint()).contains(URI.create("http://127.0.0.1:9100"));
        assertThat(b.accessKeyId()).contains("RULEKEY");
        assertThat(b.secretAccessKey()).contains("rule-secret");
        assertThat(b.maxParts()).isEqualTo(1000);
        assertThat(b.region()).isEqualTo("eu-west-1");
        assertThat(b.endpointId()).isEqualTo("http://127.0.0.1:9100");
        assertThat(b).isNotEqualTo(connectionOf(config, 0));
        assertThat(b.toString()).doesNotContain("rule-secret");
    }

    @Test
    void rulesWithTheSameOverrides_haveEqualConnections_soTheyShareOneClient() throws Exception {
        ChuteConfig config = config("chute.rules[0].s3.endpoint", "http://127.0.0.1:9100",
                "chute.rules[1].s3.endpoint", "http://127.0.0.1:9100");

        assertThat(connectionOf(config, 0)).isEqualTo(connectionOf(config, 1));
    }

    @Test
    void anyIdentityOverride_replacesTheGlobalCredentialsAsAWhole() throws Exception {
        ChuteConfig config = config("chute.rules[1].s3.profile", "archive");

        S3Connection b = connectionOf(config, 1);

        assertThat(b.profile()).contains("archive");
        assertThat(b.accessKeyId()).isEmpty();
        assertThat(b.secretAccessKey()).isEmpty();
        assertThat(b.endpoint()).isEqualTo(S3Connection.of(config.s3()).endpoint());
    }

    @Test
    void invalidOverrideValues_areReportedUnderTheRulesPropertyPaths() throws Exception {
        List<String> errors = ConfigValidator.validate(config("chute.rules[1].s3.endpoint", "ftp://store",
                "chute.rules[1].s3.max-parts", "0", "chute.rules[1].s3.role-arn", "not-an-arn",
                "chute.rules[1].s3.role-session-duration", "5m", "chute.rules[1].s3.region", " "));

        assertThat(errors).containsExactlyInAnyOrder(
                "chute.rules[1].s3.endpoint: 'ftp://store' is not an http(s) URL with a host; accepted: http://HOST[:PORT]"
                        + " or https://HOST[:PORT]",
                "chute.rules[1].s3.region: must not be empty",
                "chute.rules[1].s3.max-parts: must be between 1 and 10000, was 0",
                "chute.rules[1].s3.role-arn: 'not-an-arn' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
                "chute.rules[1].s3.role-session-duration: must be between 15m and 12h (STS limits), was PT5M");
    }

    @Test
    void anAccessKeyWithoutItsSecret_isAnErrorOfTheRule_evenThoughChuteS3HasBoth() throws Exception {
        assertThat(ConfigValidator.validate(config("chute.rules[0].s3.access-key-id", "RULEKEY")))
                .containsExactly("chute.rules[0].s3.access-key-id: access-key-id and secret-access-key must be"
                        + " given together");
    }

    @Test
    void anInvalidGlobalValue_isReportedOnceUnderChuteS3_notAgainForEveryRule() throws Exception {
        List<String> errors = ConfigValidator.validate(config("chute.s3.max-parts", "20000",
                "chute.rules[1].s3.endpoint", "http://127.0.0.1:9100"));

        assertThat(errors).containsExactly("chute.s3.max-parts: must be between 1 and 10000, was 20000");
    }

    @Test
    void anExternalIdWithoutARoleInTheRule_isReportedForTheRule() throws Exception {
        assertThat(ConfigValidator.validate(config("chute.rules[0].s3.external-id", "x")))
                .containsExactly("chute.rules[0].s3.external-id: is only used with role-arn");
        assertThat(connectionOf(config(), 0).roleArn()).isEqualTo(Optional.empty());
    }
}
