package io.chute.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Configuration checks, through the same SmallRye mapping the application uses. */
class ConfigValidatorTest {

    @TempDir
    Path tmp;

    private Map<String, String> validRule() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Map<String, String> p = new HashMap<>();
        p.put("chute.state-dir", tmp.resolve("state").toString());
        p.put("chute.rules[0].name", "inbox");
        p.put("chute.rules[0].path", inbox.toString());
        p.put("chute.rules[0].bucket", "my-bucket");
        return p;
    }

    static List<String> validate(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withMapping(ChuteConfig.class)
                .build();
        return ConfigValidator.validate(config.getConfigMapping(ChuteConfig.class));
    }

    @Test
    void validate_minimalConfiguration_hasNoErrors() throws Exception {
        assertThat(validate(validRule())).isEmpty();
    }

    @Test
    void rule_withoutPrefix_mapsToEmptyPrefix() throws Exception {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(validRule(), "test", 100))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withMapping(ChuteConfig.class).build();
        DropRule rule = DropRule.from(config.getConfigMapping(ChuteConfig.class).rules().get(0));
        assertThat(rule.prefix()).isEmpty();
        assertThat(rule.keyTemplate()).isEqualTo("{path}");
    }

    @Test
    void validate_reportsEveryErrorAtOnceEachNamingItsProperty() throws Exception {
        Map<String, String> p = validRule();
        p.put("chute.rules[0].bucket", "Bad_Bucket");
        p.put("chute.rules[0].after-upload", "move");
        p.put("chute.rules[0].key", "{path}/{nope}");
        p.put("chute.upload.workers", "0");
        p.put("chute.upload.part-size", "1M");
        p.put("chute.s3.endpoint", "ftp://example");
        assertThat(validate(p)).hasSize(6).anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].bucket:"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].archive-dir:"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].key:").contains("{nope}"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.upload.workers:"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.upload.part-size:"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.s3.endpoint:"));
    }

    @Test
    void validate_unknownVerifyMode_namesTheAcceptedValues() throws Exception {
        Map<String, String> p = validRule();
        p.put("chute.upload.verify", "never");
        assertThat(validate(p)).containsExactly("chute.upload.verify: must be one of auto, read-back, was 'never'");
        p.put("chute.upload.verify", "read-back");
        assertThat(validate(p)).isEmpty();
    }

    @Test
    void validate_aBucketProbeIntervalUnderASecond_isRefused() throws Exception {
        Map<String, String> p = validRule();
        p.put("chute.health.bucket-probe-interval", "0s");
        assertThat(validate(p)).containsExactly("chute.health.bucket-probe-interval: must be at least 1s, was 0ms");
        p.put("chute.health.bucket-probe-interval", "2s");
        assertThat(validate(p)).isEmpty();
    }

    @Test
    void validate_missingFolder_namesTheRuleProperty() throws Exception {
        Map<String, String> p = validRule();
        p.put("chute.rules[0].path", tmp.resolve("absent").toString());
        assertThat(validate(p)).singleElement().asString()
                .startsWith("chute.rules[0].path:").contains("not an existing directory");
    }

    @Test
    void validate_duplicateNamesAndOverlappingFolders_areRefused() throws Exception {
        Map<String, String> p = validRule();
        Path nested = Files.createDirectories(tmp.resolve("inbox/sub"));
        p.put("chute.rules[1].name", "inbox");
        p.put("chute.rules[1].path", nested.toString());
        p.put("chute.rules[1].bucket", "other-bucket");
        assertThat(validate(p)).anySatisfy(e -> assertThat(e).startsWith("chute.rules[1].name:").contains("duplicate"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[1].path:").contains("nested with"));
    }

    @Test
    void validate_stateDirInsideWatchedFolder_isRefused() throws Exception {
        Map<String, String> p = validRule();
        p.put("chute.state-dir", tmp.resolve("inbox/.chute").toString());
        assertThat(validate(p)).singleElement().asString().startsWith("chute.state-dir:")
                .contains("lies inside the watched folder of rule 'inbox'");
    }

    @Test
    void validate_archiveDirInsideRecursiveWatchedFolder_isRefused() throws Exception {
        Map<String, String> p = validRule();
        p.put("chute.rules[0].after-upload", "move");
        p.put("chute.rules[0].archive-dir", tmp.resolve("inbox/done").toString());
        assertThat(validate(p)).singleElement().asString().startsWith("chute.rules[0].archive-dir:");
    }

    @Test
    void validate_daemonWithoutRules_isRefused() {
        assertThat(validate(Map.of("chute.state-dir", tmp.toString())))
                .containsExactly("chute.rules: at least one rule is required to run the daemon");
    }
}
