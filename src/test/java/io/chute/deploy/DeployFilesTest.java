package io.chute.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chute.config.ChuteConfig;
import io.chute.config.ConfigValidator;
import io.chute.observability.ChuteMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.chute.deploy.DeployFiles.at;
import static io.chute.deploy.DeployFiles.list;
import static io.chute.deploy.DeployFiles.load;
import static io.chute.deploy.DeployFiles.mapped;
import static io.chute.deploy.DeployFiles.podSpec;
import static io.chute.deploy.DeployFiles.systemdUnit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The files under {@code deploy/} (and the Dockerfiles) parse, and agree with the application: the management
 * port and health paths of {@code application.yaml}, the metric names of {@link ChuteMetrics}, the shutdown
 * grace of the configurations they ship, and {@link ChuteConfig} itself.
 */
class DeployFilesTest {

    static final Path DEPLOY = Path.of("deploy");
    static final Pattern CHUTE_METRIC = Pattern.compile("\\bchute_[a-z0-9_]+");

    static final Map<String, Object> APP = load(Path.of("src/main/resources/application.yaml")).get(0);
    static final int MANAGEMENT_PORT = (Integer) at(APP, "quarkus", "management", "port");
    /** Quarkus' defaults; application.yaml must not move them, or the probes below go stale. */
    static final String LIVE = "/q/health/live";
    static final String READY = "/q/health/ready";

    @Test
    void everyYamlAndJsonFile_parses() throws IOException {
        List<Path> files = deployFiles();
        assertThat(files).hasSizeGreaterThanOrEqualTo(8);
        for (Path file : files) {
            if (file.toString().endsWith(".json")) {
                assertThat(new ObjectMapper().readTree(file.toFile()).isObject()).as(file.toString()).isTrue();
            } else if (file.toString().matches(".*\\.ya?ml")) {
                assertThat(load(file)).as(file.toString()).isNotEmpty().doesNotContainNull();
            }
        }
    }

    @Test
    void healthPaths_areQuarkusDefaults_thatApplicationYamlDoesNotOverride() {
        assertThat(at(APP, "quarkus", "http", "non-application-root-path")).isNull();
        assertThat(at(APP, "quarkus", "smallrye-health")).isNull();
        assertThat(MANAGEMENT_PORT).isEqualTo(9000);
    }

    @Test
    void prometheusAlertsAndGrafanaDashboard_useOnlyMetricsChuteExports() throws IOException {
        Set<String> exported = prometheusNames();
        String alerts = Files.readString(DEPLOY.resolve("prometheus/alerts.yaml"));
        String dashboard = Files.readString(DEPLOY.resolve("grafana/chute-dashboard.json"));

        assertThat(metricsIn(alerts)).isNotEmpty().isSubsetOf(exported);
        assertThat(metricsIn(dashboard)).hasSizeGreaterThanOrEqualTo(8).isSubsetOf(exported);
        assertThat(metricsIn(alerts)).contains("chute_oldest_pending_age_seconds", "chute_files_failed_total",
                "chute_files_quarantined_total");
        assertThat(alerts).as("a readiness alert").contains("/q/health/ready", "probe_success");
    }

    @Test
    void prometheusScrapeConfig_scrapesTheManagementPortsMetricsPath() throws IOException {
        Map<String, Object> scrape = load(DEPLOY.resolve("prometheus/scrape-config.yaml")).get(0);
        List<Map<String, Object>> jobs = list(scrape.get("scrape_configs"));
        assertThat(jobs).filteredOn(j -> "/q/metrics".equals(j.get("metrics_path"))).hasSizeGreaterThanOrEqualTo(2);
        assertThat(Files.readString(DEPLOY.resolve("prometheus/scrape-config.yaml")))
                .contains(":" + MANAGEMENT_PORT + "/q/health/ready", ":" + MANAGEMENT_PORT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"kubernetes/sidecar.yaml", "kubernetes/daemonset.yaml"})
    void kubernetesChuteContainer_probesTheManagementPort_andOutlastsTheShutdownGrace(String file) {
        List<Map<String, Object>> docs = load(DEPLOY.resolve(file));
        Map<String, Object> pod = podSpec(docs);
        Map<String, Object> chute = list(pod.get("containers")).stream()
                .filter(c -> "chute".equals(c.get("name"))).findFirst().orElseThrow();
        Map<String, Object> port = list(chute.get("ports")).get(0);
        assertThat(port.get("containerPort")).isEqualTo(MANAGEMENT_PORT);
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            Object get = at(chute, probe, "httpGet");
            if (get != null) {
                assertThat(((Map<?, ?>) get).get("port")).as(probe).isIn(port.get("name"), MANAGEMENT_PORT);
                assertThat(((Map<?, ?>) get).get("path")).as(probe).isEqualTo(probe.equals("readinessProbe") ? READY : LIVE);
            }
        }
        assertThat(at(chute, "livenessProbe", "httpGet", "path")).isEqualTo(LIVE);
        Object preStopSleep = at(chute, "lifecycle", "preStop", "sleep", "seconds");
        long margin = preStopSleep == null ? 0 : ((Number) preStopSleep).longValue();
        long grace = configMapChuteYaml(file).shutdown().grace().toSeconds();
        assertThat(((Number) pod.get("terminationGracePeriodSeconds")).longValue()).isGreaterThan(grace + margin);
        String account = (String) pod.get("serviceAccountName");
        assertThat(docs).anySatisfy(d -> {
            assertThat(d.get("kind")).isEqualTo("ServiceAccount");
            assertThat(at(d, "metadata", "name")).isEqualTo(account);
            assertThat((String) at(d, "metadata", "annotations", "eks.amazonaws.com/role-arn")).startsWith("arn:aws:iam::");
        });
    }

    @Test
    void managementInterface_listensOnLoopbackByDefault() {
        assertThat(at(APP, "quarkus", "management", "host")).isEqualTo("127.0.0.1");
        assertThat(at(APP, "quarkus", "http", "host-enabled")).isEqualTo(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"kubernetes/sidecar.yaml", "kubernetes/daemonset.yaml"})
    void kubernetesChuteContainer_optsInToListeningBeyondLoopback_forProbesAndScraping(String file) {
        Map<String, Object> chute = list(podSpec(load(DEPLOY.resolve(file))).get("containers")).stream()
                .filter(c -> "chute".equals(c.get("name"))).findFirst().orElseThrow();
        assertThat(list(chute.get("env"))).anySatisfy(env -> {
            assertThat(env.get("name")).isEqualTo("QUARKUS_MANAGEMENT_HOST");
            assertThat(env.get("value")).isEqualTo("0.0.0.0");
        });
    }

    @Test
    void sidecar_sharesAnEmptyDirWithTheApp_andExplainsWhyReadinessIsNotWired() throws IOException {
        Map<String, Object> pod = podSpec(load(DEPLOY.resolve("kubernetes/sidecar.yaml")));
        Set<String> emptyDirs = new HashSet<>();
        list(pod.get("volumes")).stream().filter(v -> v.containsKey("emptyDir")).forEach(v -> emptyDirs.add((String) v.get("name")));
        List<Set<String>> mountsPerContainer = new ArrayList<>();
        for (Map<String, Object> c : list(pod.get("containers"))) {
            Set<String> mounts = new HashSet<>();
            list(c.get("volumeMounts")).forEach(m -> mounts.add((String) m.get("name")));
            mounts.retainAll(emptyDirs);
            mountsPerContainer.add(mounts);
        }
        assertThat(mountsPerContainer).hasSize(2);
        assertThat(mountsPerContainer.get(0)).containsAnyElementsOf(mountsPerContainer.get(1));
        assertThat(Files.readString(DEPLOY.resolve("kubernetes/sidecar.yaml")))
                .contains("A sidecar's readiness counts for the whole pod", "# readinessProbe:");
    }

    @Test
    void configMapConfigurations_mapOntoChuteConfig_andUseTheManagementPort() {
        for (Map<String, Object> doc : load(DEPLOY.resolve("kubernetes/configmap.yaml"))) {
            String yaml = (String) at(doc, "data", "chute.yaml");
            assertThat(at(load(yaml).get(0), "quarkus", "management", "port")).isEqualTo(MANAGEMENT_PORT);
            assertThat(ConfigValidator.validate(mapped(yaml)))
                    .allSatisfy(error -> assertThat(error).contains("is not an existing directory"));
        }
    }

    @Test
    void systemdUnit_isHardened_outlastsTheGrace_andMayWriteEveryConfiguredFolder() throws IOException {
        Map<String, List<String>> unit = systemdUnit(DEPLOY.resolve("systemd/chute.service"));
        ChuteConfig config = mapped(Files.readString(DEPLOY.resolve("systemd/chute.yaml")));

        assertThat(unit.get("User")).doesNotContain("root").hasSize(1);
        assertThat(unit.get("ProtectSystem")).containsExactly("strict");
        assertThat(unit.get("NoNewPrivileges")).containsExactly("yes");
        assertThat(unit.get("Restart")).containsExactly("on-failure");
        assertThat(unit.get("EnvironmentFile")).containsExactly("-/etc/chute/chute.env");
        assertThat(DEPLOY.resolve("systemd/chute.env")).exists();
        long stopSeconds = Long.parseLong(unit.get("TimeoutStopSec").get(0));
        assertThat(stopSeconds).isGreaterThan(config.shutdown().grace().toSeconds());
        String execStart = unit.get("ExecStart").get(0);
        assertThat(execStart).contains("-Xmx", "-Dquarkus.config.locations=/etc/chute/chute.yaml", "quarkus-run.jar");

        List<Path> writable = new ArrayList<>();
        unit.get("ReadWritePaths").forEach(line -> Stream.of(line.split("\\s+")).map(Path::of).forEach(writable::add));
        unit.getOrDefault("StateDirectory", List.of()).forEach(dir -> writable.add(Path.of("/var/lib", dir)));
        List<Path> written = new ArrayList<>(List.of(config.stateDir()));
        config.rules().forEach(r -> {
            written.add(r.path());
            r.archiveDir().ifPresent(written::add);
            r.quarantineDir().ifPresent(written::add);
        });
        assertThat(written).allSatisfy(p -> assertThat(writable.stream().anyMatch(p::startsWith))
                .as(p + " lies under ReadWritePaths " + writable).isTrue());
    }

    @Test
    void dockerfileJvm_usesTheUnitsJvmFlags_andExposesTheManagementPort() throws IOException {
        String jvm = Files.readString(Path.of("Dockerfile.jvm"));
        String flags = systemdUnit(DEPLOY.resolve("systemd/chute.service")).get("ExecStart").get(0)
                .replaceFirst("^\\S+java ", "").replaceFirst(" -Dquarkus.config.locations.*$", "");
        assertThat(jvm).contains("ENV JAVA_OPTS=\"" + flags + "\"", "EXPOSE " + MANAGEMENT_PORT,
                "quarkus-run.jar \\\"$@\\\"");
        String nativeFile = Files.readString(Path.of("Dockerfile.native"));
        assertThat(nativeFile).containsPattern("(?m)^FROM \\S*mandrel\\S* AS build$").contains("EXPOSE " + MANAGEMENT_PORT,
                "-Dnative");
        assertThat(jvm + nativeFile).doesNotContainPattern("https?://");
        assertThat(Files.readString(DEPLOY.resolve("bin/chute"))).contains(": \"${JAVA_OPTS:=" + flags + "}\"");
    }

    @Test
    void theUnitsMallocArenaCap_isSetAlikeByTheWrapperAndBothImages() throws IOException {
        List<String> environment = systemdUnit(DEPLOY.resolve("systemd/chute.service")).get("Environment");
        assertThat(environment).as("Environment= of the unit").contains("MALLOC_ARENA_MAX=2");
        assertThat(Files.readString(Path.of("Dockerfile.jvm"))).containsPattern("(?m)^ENV MALLOC_ARENA_MAX=2$");
        assertThat(Files.readString(Path.of("Dockerfile.native"))).containsPattern("(?m)^ENV MALLOC_ARENA_MAX=2$");
        assertThat(Files.readString(DEPLOY.resolve("bin/chute"))).contains("MALLOC_ARENA_MAX=\"${MALLOC_ARENA_MAX:-2}\"")
                .contains("export MALLOC_ARENA_MAX");
    }

    @Test
    void systemdAnalyzeVerify_acceptsTheUnit_andWouldReportABrokenOne(@TempDir Path tmp) throws Exception {
        Path tool = Path.of("/usr/bin/systemd-analyze");
        Path unit = DEPLOY.resolve("systemd/chute.service").toAbsolutePath();
        String java = systemdUnit(unit).get("ExecStart").get(0).split(" ")[0];
        assumeTrue(Files.isExecutable(tool), "systemd-analyze is not installed");
        assumeTrue(Files.isExecutable(Path.of(java)), "verify checks that ExecStart's " + java + " exists");
        Path broken = tmp.resolve("chute.service");
        Files.writeString(broken, Files.readString(unit).replace("ProtectSystem=strict", "ProtectSystem=strictly"));

        String good = verify(tool, unit);
        String bad = verify(tool, broken);

        assertThat(good).as("systemd-analyze verify output").doesNotContain("chute.service");
        assertThat(bad).as("the same check on a broken copy").contains("chute.service", "strictly");
    }

    private static String verify(Path tool, Path unit) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(tool.toString(), "verify", unit.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    /** Prometheus names of every meter named in ChuteMetrics, in each form its type can take. */
    static Set<String> prometheusNames() {
        Set<String> names = new HashSet<>();
        for (Field f : ChuteMetrics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    String base = ((String) f.get(null)).replace('.', '_');
                    names.addAll(List.of(base, base + "_total"));
                    for (String timer : List.of(base + "_seconds", base)) {
                        for (String suffix : List.of("", "_bucket", "_count", "_sum", "_max")) {
                            names.add(timer + suffix);
                        }
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return names;
    }

    static Set<String> metricsIn(String text) {
        Set<String> found = new HashSet<>();
        Matcher m = CHUTE_METRIC.matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }

    private static ChuteConfig configMapChuteYaml(String file) {
        String name = file.contains("sidecar") ? "chute-sidecar" : "chute-node";
        return load(DEPLOY.resolve("kubernetes/configmap.yaml")).stream()
                .filter(d -> name.equals(at(d, "metadata", "name"))).findFirst()
                .map(d -> mapped((String) at(d, "data", "chute.yaml"))).orElseThrow();
    }

    private static List<Path> deployFiles() throws IOException {
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            List<Path> all = new ArrayList<>(files.filter(Files::isRegularFile).toList());
            try (Stream<Path> config = Files.list(Path.of("config"))) {
                all.addAll(config.toList());
            }
            return all;
        }
    }
}
