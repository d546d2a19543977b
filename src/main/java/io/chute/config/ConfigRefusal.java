package io.chute.config;

import io.chute.config.ConversionCheck.Invalid;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every configuration error at once, values that do not convert next to the checks of {@link ConfigValidator}:
 * an operator fixes the whole list in one go instead of one refusal per restart. Works from the raw
 * configuration (what SmallRye read from files, system properties and the environment), so it also runs when
 * the typed mapping of {@link ChuteConfig} failed: the invalid values are replaced by their defaults in a lenient
 * mapping, and the remaining checks run on that.
 */
public final class ConfigRefusal {

    private ConfigRefusal() {
    }

    /** All errors of the raw configuration, each starting with its property path; empty when it is valid. */
    public static List<String> errors(SmallRyeConfig raw) {
        List<String> errors = new ArrayList<>();
        Map<String, Invalid> invalid = ConversionCheck.check(raw, errors);
        try {
            errors.addAll(ConfigValidator.validate(lenient(raw, invalid).getConfigMapping(ChuteConfig.class)));
        } catch (ConfigValidationException unmappable) { // e.g. a required property is missing
            for (int i = 0; i < unmappable.getProblemCount(); i++) {
                errors.add(unmappable.getProblem(i).getMessage());
            }
        }
        return errors;
    }

    /**
     * All errors of a configuration that did map: the values the mapping accepted but should not have (an
     * unknown boolean becomes false) and the checks of {@link ConfigValidator}.
     */
    public static List<String> errors(SmallRyeConfig raw, ChuteConfig mapped) {
        List<String> errors = new ArrayList<>();
        ConversionCheck.check(raw, errors);
        errors.addAll(ConfigValidator.validate(mapped));
        return errors;
    }

    /** {@code raw}'s sources mapped again, each invalid value replaced by its default (or left out). */
    private static SmallRyeConfig lenient(SmallRyeConfig raw, Map<String, Invalid> invalid) {
        ConfigSourceInterceptor replaceInvalid = (context, name) -> {
            Invalid bad = invalid.get(name);
            if (bad == null) {
                return context.proceed(name);
            }
            return bad.fallback().map(v -> ConfigValue.builder().withName(name).withValue(v).build()).orElse(null);
        };
        return new SmallRyeConfigBuilder()
                .withProfiles(raw.getProfiles())
                .addDefaultInterceptors()
                .withInterceptors(replaceInvalid)
                .withSources(sources(raw))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withMapping(ChuteConfig.class)
                .withValidateUnknown(false)
                .build();
    }

    private static List<ConfigSource> sources(SmallRyeConfig raw) {
        List<ConfigSource> sources = new ArrayList<>();
        raw.getConfigSources().forEach(sources::add);
        return sources;
    }
}
