package io.chute.config;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the raw text of every typed {@code chute.*} property (enums, durations, sizes, booleans, numbers, URLs)
 * against its type in {@link ChuteConfig}, without mapping: the mapping stops at conversion errors before any
 * other check can run, and converts an unknown boolean such as {@code maybe} silently to false. Each invalid
 * value is reported by property path with the accepted values, and kept in {@link #invalid} with the default to
 * use in its place, so the other checks can still run on the rest of the configuration.
 */
@RegisterForReflection(targets = {ChuteConfig.class, ChuteConfig.S3Settings.class, ChuteConfig.Upload.class,
        ChuteConfig.Status.class, ChuteConfig.Shutdown.class, ChuteConfig.Janitor.class, ChuteConfig.Health.class,
        ChuteConfig.Watch.class, ChuteConfig.Rule.class, ChuteConfig.S3Override.class}) // its methods and annotations are read at run time
final class ConversionCheck {

    /** An invalid value's property and what stands in for it: its default, or nothing (an optional property). */
    record Invalid(String property, Optional<String> fallback) {
    }

    private static final Set<String> TRUE = Set.of("true", "yes", "on", "y", "1");
    private static final Set<String> FALSE = Set.of("false", "no", "off", "n", "0");

    private final SmallRyeConfig raw;
    private final List<String> errors;
    private final Map<String, Invalid> invalid = new LinkedHashMap<>();

    private ConversionCheck(SmallRyeConfig raw, List<String> errors) {
        this.raw = raw;
        this.errors = errors;
    }

    /** Adds an error per invalid value to {@code errors}; returns the invalid properties by name. */
    static Map<String, Invalid> check(SmallRyeConfig raw, List<String> errors) {
        ConversionCheck check = new ConversionCheck(raw, errors);
        check.group("chute.", ChuteConfig.class);
        return check.invalid;
    }

    private void group(String prefix, Class<?> type) {
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() > 0 || Modifier.isStatic(m.getModifiers()) || m.isDefault()) {
                continue;
            }
            String name = prefix + propertyName(m);
            Type returned = m.getGenericReturnType();
            Class<?> raw = rawClass(returned);
            if (raw == List.class && isGroup(typeArgument(returned))) {
                Class<?> element = rawClass(typeArgument(returned));
                for (int index : this.raw.getIndexedPropertiesIndexes(name)) {
                    group(name + "[" + index + "].", element);
                }
            } else if (isGroup(returned)) {
                group(name + ".", raw);
            } else {
                Type leaf = raw == Optional.class ? typeArgument(returned) : returned;
                Optional<String> fallback = Optional.ofNullable(m.getAnnotation(WithDefault.class)).map(WithDefault::value);
                leaf(name, rawClass(leaf), fallback);
            }
        }
    }

    private void leaf(String name, Class<?> type, Optional<String> fallback) {
        String value;
        try {
            value = raw.getConfigValue(name).getValue();
        } catch (NoSuchElementException | IllegalArgumentException unresolvable) {
            errors.add(name + ": " + unresolvable.getMessage());
            invalid.put(name, new Invalid(name, fallback));
            return;
        }
        if (value == null || value.isEmpty()) {
            return;
        }
        Optional<String> problem = problem(value.trim(), type);
        if (problem.isPresent()) {
            errors.add(name + ": '" + value + "' " + problem.get());
            invalid.put(name, new Invalid(name, fallback));
        }
    }

    /** Why {@code value} is not a {@code type}, naming the accepted values; empty when it is one. */
    static Optional<String> problem(String value, Class<?> type) {
        if (type.isEnum()) {
            List<String> accepted = Arrays.stream(type.getEnumConstants())
                    .map(e -> ((Enum<?>) e).name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
            String spelled = value.toLowerCase(Locale.ROOT).replace('_', '-');
            return accepted.contains(spelled) ? Optional.empty() : Optional.of("is not one of " + accepted);
        }
        if (type == boolean.class || type == Boolean.class) {
            String lower = value.toLowerCase(Locale.ROOT);
            return TRUE.contains(lower) || FALSE.contains(lower) ? Optional.empty()
                    : Optional.of("is not a boolean; accepted: true, false");
        }
        if (type == int.class || type == Integer.class) {
            return converts(() -> Integer.parseInt(value), "is not a whole number (at most 2147483647)");
        }
        if (type == long.class || type == Long.class) {
            return converts(() -> Long.parseLong(value), "is not a whole number");
        }
        if (type == Duration.class) {
            return converts(() -> new DurationConverter().convert(value),
                    "is not a duration; accepted: a number with ms, s, m, h or d (e.g. 500ms, 5s, 2m) or ISO-8601 (PT5S)");
        }
        if (type == MemorySize.class) {
            return converts(() -> new MemorySizeConverter().convert(value),
                    "is not a size; accepted: a number of bytes with an optional K, M, G or T suffix (e.g. 512K, 16M)");
        }
        if (type == URI.class) {
            return converts(() -> new URI(value), "is not a URL; accepted: http://HOST[:PORT] or https://HOST[:PORT]");
        }
        return Optional.empty();
    }

    private interface Conversion {
        Object run() throws URISyntaxException;
    }

    private static Optional<String> converts(Conversion conversion, String problem) {
        try {
            return conversion.run() == null ? Optional.of(problem) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.of(problem);
        }
    }

    /** The property name SmallRye maps a method to: its {@link WithName}, else its name in kebab case. */
    private static String propertyName(Method m) {
        WithName named = m.getAnnotation(WithName.class);
        if (named != null) {
            return named.value();
        }
        StringBuilder kebab = new StringBuilder();
        for (char c : m.getName().toCharArray()) {
            if (Character.isUpperCase(c)) {
                kebab.append('-').append(Character.toLowerCase(c));
            } else {
                kebab.append(c);
            }
        }
        return kebab.toString();
    }

    /** A nested configuration group: an interface declared inside {@link ChuteConfig}. */
    private static boolean isGroup(Type type) {
        Class<?> c = rawClass(type);
        return c.isInterface() && c.getEnclosingClass() == ChuteConfig.class;
    }

    private static Class<?> rawClass(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static Type typeArgument(Type type) {
        return ((ParameterizedType) type).getActualTypeArguments()[0];
    }
}
