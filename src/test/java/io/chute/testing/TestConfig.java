package io.chute.testing;

import io.chute.config.ChuteConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Duration;
import java.util.Map;

/** A {@link ChuteConfig} mapped from properties by SmallRye exactly as the application maps it, without Quarkus. */
public final class TestConfig {

    private TestConfig() {
    }

    public static ChuteConfig of(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withMapping(ChuteConfig.class)
                .build()
                .getConfigMapping(ChuteConfig.class);
    }
}
