package io.chute.config;

import io.smallrye.config.ConfigMappings;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md is the reference of every {@code chute.*} property, checked against {@link ChuteConfig}:
 * each property of the mapping (nested groups, lists of groups, maps; kebab-case names, {@code @WithName}) has one
 * row whose default cell starts with its {@code @WithDefault} value, no row names a property the mapping lacks,
 * and no other page (README.md, docs/*.md but the history in decisions.md) names one either.
 * <p>
 * Names are compared in one form: a list index ({@code [i]}, {@code [0]}, SmallRye's {@code [*]}) becomes
 * {@code [*]}, a map key ({@code <name>}, SmallRye's {@code *}) becomes {@code *}.
 */
class ConfigurationReferenceTest {

    static final Path REFERENCE = Path.of("docs", "configuration.md");
    /** History: it may name properties as they were when a decision was taken. */
    static final Path HISTORY = Path.of("docs", "decisions.md");

    /** A table row whose first cell is one backticked {@code chute.*} name: | `name` | default | meaning |. */
    static final Pattern ROW = Pattern.compile("^\\|\\s*`(chute\\.[^`]+)`\\s*\\|([^|]*)\\|");
    /** A property name anywhere in prose or code, also as {@code -Dchute...}, never inside a longer name. */
    static final Pattern NAME = Pattern.compile("(?:(?<=-D)|(?<![\\w.$/-]))chute\\.[a-z0-9][a-z0-9.\\[\\]<>*-]*");
    /** Names of files and domains that look like properties: chute.yaml, chute.service, chute.io/scrape... */
    static final Pattern NOT_A_PROPERTY = Pattern.compile("chute\\.(yaml|yml|service|env|io|jfr|log|json|md)");

    @Test
    void everyPropertyOfTheMapping_hasOneRowInTheReference_withItsDefault() throws IOException {
        Map<String, Optional<String>> mapped = mappedProperties();
        Map<String, List<String>> rows = referenceRows();

        Set<String> missing = new TreeSet<>(mapped.keySet());
        missing.removeAll(rows.keySet());
        Set<String> duplicated = rows.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
        List<String> wrongDefaults = new ArrayList<>();
        mapped.forEach((name, value) -> {
            List<String> cells = rows.getOrDefault(name, List.of());
            if (cells.isEmpty()) {
                return;
            }
            String cell = cells.get(0);
            if (value.isPresent() ? !startsWithLiteral(cell, value.get()) : cell.isBlank()) {
                wrongDefaults.add(name + ": the default cell is '" + cell + "', the mapping says "
                        + value.map(v -> "`" + v + "`").orElse("none (describe what applies)"));
            }
        });

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(missing).as("properties of ChuteConfig without a row in " + REFERENCE
                    + " (add | `name` | `default` | meaning |)").isEmpty();
            soft.assertThat(duplicated).as("properties with more than one row in " + REFERENCE).isEmpty();
            soft.assertThat(wrongDefaults).as("default cells that do not start with the @WithDefault value").isEmpty();
        });
    }

    @Test
    void theReference_hasNoRowForAPropertyTheMappingLacks() throws IOException {
        Set<String> extra = new TreeSet<>(referenceRows().keySet());
        extra.removeAll(mappedProperties().keySet());

        assertThat(extra).as("rows of " + REFERENCE + " naming no property of ChuteConfig").isEmpty();
    }

    @Test
    void readmeAndDocs_nameOnlyPropertiesAndGroupsTheMappingHas() throws IOException {
        Set<String> mapped = mappedProperties().keySet();
        Map<String, Set<String>> unknownByPage = new TreeMap<>();
        for (Path page : pagesNamingProperties()) {
            Matcher m = NAME.matcher(Files.readString(page));
            while (m.find()) {
                String name = canonical(m.group().replaceAll("[.-]+$", ""));
                if (!NOT_A_PROPERTY.matcher(name).matches() && !isPropertyOrGroup(name, mapped)) {
                    unknownByPage.computeIfAbsent(page.toString(), p -> new TreeSet<>()).add(m.group());
                }
            }
        }

        assertThat(unknownByPage).as("chute.* names that are neither a property nor a group of ChuteConfig"
                + " (a file name? add it to NOT_A_PROPERTY)").isEmpty();
    }

    /** The walk below and SmallRye's own derivation of the mapping agree, so neither skips a kind of property. */
    @Test
    void theReflectiveWalk_findsWhatSmallRyeMaps_groupsListsAndMapsIncluded() {
        Map<String, Optional<String>> walked = mappedProperties();
        Map<String, Optional<String>> smallRye = new TreeMap<>();
        ConfigMappings.getProperties(ConfigMappings.ConfigClass.configClass(ChuteConfig.class, "chute"))
                .forEach((name, property) -> {
                    if (!name.endsWith("[*]")) { // an element of a list of values, documented as the list
                        smallRye.put(canonical(name), property.hasDefaultValue()
                                ? Optional.of(property.getDefaultValue()) : Optional.empty());
                    }
                });

        assertThat(walked).isEqualTo(smallRye);
        assertThat(walked.keySet()).anyMatch(n -> n.contains("[*].s3.")) // a group inside a list of groups
                .anyMatch(n -> n.endsWith(".*")); // a map
    }

    // --- the mapping -------------------------------------------------------------------------------------

    /** Every property of {@link ChuteConfig}, in canonical form, with its {@code @WithDefault} value. */
    static Map<String, Optional<String>> mappedProperties() {
        Map<String, Optional<String>> found = new TreeMap<>();
        walk("chute", ChuteConfig.class, found);
        return found;
    }

    private static void walk(String prefix, Class<?> group, Map<String, Optional<String>> found) {
        for (Method m : group.getMethods()) {
            if (m.isDefault() || Modifier.isStatic(m.getModifiers()) || m.getParameterCount() > 0) {
                continue;
            }
            String name = prefix + "." + propertyName(m);
            Type type = m.getGenericReturnType();
            if (raw(type) == Optional.class) {
                type = argument(type, 0);
            }
            if (isGroup(type)) {
                walk(name, raw(type), found);
            } else if (raw(type) == List.class && isGroup(argument(type, 0))) {
                walk(name + "[*]", raw(argument(type, 0)), found);
            } else if (raw(type) == Map.class && isGroup(argument(type, 1))) {
                walk(name + ".*", raw(argument(type, 1)), found);
            } else if (raw(type) == Map.class) {
                found.put(name + ".*", Optional.empty());
            } else {
                found.put(name, Optional.ofNullable(m.getAnnotation(WithDefault.class)).map(WithDefault::value));
            }
        }
    }

    /** {@code @WithName}, else SmallRye's default naming: kebab-case of the method name. */
    static String propertyName(Method m) {
        WithName named = m.getAnnotation(WithName.class);
        return named != null ? named.value() : m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static boolean isGroup(Type type) {
        Class<?> raw = raw(type);
        return raw.isInterface() && raw.getName().startsWith(ChuteConfig.class.getName());
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static Type argument(Type type, int index) {
        return ((ParameterizedType) type).getActualTypeArguments()[index];
    }

    // --- the pages ---------------------------------------------------------------------------------------

    /** Canonical name → the default cell of each row naming it (more than one cell: a duplicate row). */
    static Map<String, List<String>> referenceRows() throws IOException {
        Map<String, List<String>> rows = new TreeMap<>();
        for (String line : Files.readAllLines(REFERENCE)) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                rows.computeIfAbsent(canonical(m.group(1)), k -> new ArrayList<>()).add(m.group(2).trim());
            }
        }
        assertThat(rows).as("property rows found in " + REFERENCE).isNotEmpty();
        return rows;
    }

    static List<Path> pagesNamingProperties() throws IOException {
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            return Stream.concat(Stream.of(Path.of("README.md")),
                            docs.filter(p -> p.toString().endsWith(".md") && !p.equals(HISTORY)).sorted())
                    .toList();
        }
    }

    /** List indexes become {@code [*]}, map keys {@code *}. */
    static String canonical(String name) {
        return name.replaceAll("\\[[^]]*]", "[*]").replaceAll("\\.<[^>]*>", ".*");
    }

    private static boolean isPropertyOrGroup(String name, Set<String> mapped) {
        String group = name.endsWith(".*") ? name.substring(0, name.length() - 2) : name;
        return mapped.contains(name)
                || mapped.stream().anyMatch(p -> p.startsWith(group + ".") || p.startsWith(group + "[*]"));
    }

    /** Whether the cell starts with {@code `value`}: the default is given first, literally. */
    private static boolean startsWithLiteral(String cell, String value) {
        return cell.equals("`" + value + "`") || cell.startsWith("`" + value + "` ");
    }
}
