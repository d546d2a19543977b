package io.chute.deploy;

import io.chute.config.ChuteConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.source.yaml.YamlConfigSource;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Readers for deployment files in tests: YAML documents (SnakeYAML), systemd units, Chute configurations. */
final class DeployFiles {

    private DeployFiles() {
    }

    /** [Service]/[Unit]/[Install] keys with every value they are given (a unit may repeat a key). */
    public static Map<String, List<String>> systemdUnit(Path file) throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith("[")) {
                continue;
            }
            int eq = line.indexOf('=');
            keys.computeIfAbsent(line.substring(0, eq).trim(), k -> new ArrayList<>()).add(line.substring(eq + 1).trim());
        }
        return keys;
    }

    public static ChuteConfig mapped(String yaml) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new YamlConfigSource("deploy", yaml, 100))
                .withDefaultValue("POD_NAME", "pod-1").withDefaultValue("NODE_NAME", "node-1")
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withMapping(ChuteConfig.class)
                .build();
        return config.getConfigMapping(ChuteConfig.class);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> podSpec(List<Map<String, Object>> docs) {
        return docs.stream().filter(d -> "Deployment".equals(d.get("kind")) || "DaemonSet".equals(d.get("kind")))
                .map(d -> (Map<String, Object>) at(d, "spec", "template", "spec")).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> list(Object value) {
        return value == null ? List.of() : (List<Map<String, Object>>) value;
    }

    public static Object at(Map<?, ?> map, String... path) {
        Object node = map;
        for (String key : path) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(key);
        }
        return node;
    }

    public static List<Map<String, Object>> load(Path file) {
        try {
            return load(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> load(String yaml) {
        List<Map<String, Object>> docs = new ArrayList<>();
        new Yaml().loadAll(yaml).forEach(d -> docs.add((Map<String, Object>) d));
        return docs;
    }
}
