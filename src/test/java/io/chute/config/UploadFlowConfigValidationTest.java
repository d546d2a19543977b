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

/**
 * {@code chute.upload.bytes-in-flight}, {@code chute.upload.adaptive} and the retry backoff: defaults and refused
 * values, by path.
 */
class UploadFlowConfigValidationTest {

    @TempDir
    Path tmp;

    private Map<String, String> valid() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("chute.state-dir", tmp.resolve("state").toString());
        p.put("chute.rules[0].name", "inbox");
        p.put("chute.rules[0].path", Files.createDirectories(tmp.resolve("inbox")).toString());
        p.put("chute.rules[0].bucket", "my-bucket");
        return p;
    }

    private List<String> errorsWith(String... keyValues) throws Exception {
        Map<String, String> p = valid();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return ConfigValidator.validate(TestConfig.of(p));
    }

    @Test
    void defaults_areAdaptive_with256MiBInFlight_andValid() throws Exception {
        ChuteConfig config = TestConfig.of(valid());
        assertThat(config.upload().adaptive()).isTrue();
        assertThat(config.upload().bytesInFlight().asLongValue()).isEqualTo(256L * 1024 * 1024);
        assertThat(ConfigValidator.validate(config)).isEmpty();
    }

    @Test
    void adaptiveOff_andABudgetOfExactlyOnePart_areValid() throws Exception {
        assertThat(errorsWith("chute.upload.adaptive", "false", "chute.upload.bytes-in-flight", "8M",
                "chute.upload.part-size", "8M")).isEmpty();
    }

    @Test
    void budgetBelowTheSmallestPart_namesThePropertyAndTheMinimum() throws Exception {
        assertThat(errorsWith("chute.upload.bytes-in-flight", "4M")).singleElement().asString()
                .startsWith("chute.upload.bytes-in-flight: must be at least 5M (the smallest multipart part)");
    }

    @Test
    void budgetBelowTheConfiguredPartSize_isRefused_becauseEveryPartWouldGoAlone() throws Exception {
        assertThat(errorsWith("chute.upload.bytes-in-flight", "32M", "chute.upload.part-size", "64M"))
                .singleElement().asString()
                .startsWith("chute.upload.bytes-in-flight: must be at least chute.upload.part-size (67108864 bytes)");
    }

    @Test
    void budgetAboveOneTebibyte_isRefused() throws Exception {
        assertThat(errorsWith("chute.upload.bytes-in-flight", "2T")).singleElement().asString()
                .startsWith("chute.upload.bytes-in-flight: must be at most 1T");
    }

    @Test
    void retryBackoffMaxBelowTheBase_isRefused_naming_both() throws Exception {
        assertThat(errorsWith("chute.upload.retry-backoff", "10s", "chute.upload.retry-backoff-max", "5s"))
                .singleElement().asString()
                .startsWith("chute.upload.retry-backoff-max: must be at least chute.upload.retry-backoff (PT10S)");
    }
}
