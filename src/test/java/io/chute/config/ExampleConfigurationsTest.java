package io.chute.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.source.yaml.YamlConfigSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped example configurations map onto {@link ChuteConfig} without unknown or mistyped properties and
 * pass validation, apart from their folders, which exist only on a real host.
 */
class ExampleConfigurationsTest {

    @ParameterizedTest
    @ValueSource(strings = {"config/chute.yaml", "config/chute-multi-rule.yaml", "config/chute-minio.yaml",
            "deploy/systemd/chute.yaml", "config/chute-targets.yaml"})
    void exampleConfiguration_isValidApartFromHostFolders(String file) throws Exception {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new YamlConfigSource(Path.of(file).toUri().toURL(), 100))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withMapping(ChuteConfig.class)
                .build();
        assertThat(ConfigValidator.validate(config.getConfigMapping(ChuteConfig.class)))
                .allSatisfy(error -> assertThat(error).contains("is not an existing directory"));
    }
}
