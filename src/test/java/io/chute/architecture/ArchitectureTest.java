package io.chute.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package picture of docs/architecture.md, frozen: each package of {@code io.chute} may depend only on the
 * packages listed for it (stages on the stages before them and on the leaves; observability on the stages it
 * watches; the daemon and the command line on everything they compose), and no package cycle exists. A new edge
 * is a design decision: add it here and to the architecture page together.
 */
class ArchitectureTest {

    private static final JavaClasses CHUTE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.chute");

    /** Package (below io.chute; "" is io.chute itself) → the io.chute packages it may use. */
    private static final Map<String, Set<String>> ALLOWED = new LinkedHashMap<>();

    static {
        allow("config");
        allow("faults");
        allow("lifecycle", "config");
        allow("throttle", "config");
        allow("s3", "config");
        // the data flow: each stage uses the records of the stages before it, and the leaves
        allow("watch", "config");
        allow("stability", "config", "watch");
        allow("queue", "config", "stability");
        allow("multipart", "faults", "stability", "throttle");
        allow("checkpoint", "faults", "multipart", "watch");
        allow("completion", "checkpoint", "config", "faults", "multipart", "stability");
        // upload classifies the s3 leaf's typed failures (credentials that do not resolve)
        allow("upload", "checkpoint", "completion", "config", "lifecycle", "multipart", "queue", "s3", "stability");
        // composition: one engine for the daemon and the command line; what the daemon exposes; the daemon itself
        allow("engine", "checkpoint", "completion", "config", "multipart", "s3", "throttle", "upload");
        allow("observability", "config", "lifecycle", "multipart", "queue", "stability", "throttle", "upload",
                "watch");
        allow("daemon", "checkpoint", "completion", "config", "engine", "lifecycle", "multipart", "observability",
                "queue", "s3", "stability", "throttle", "upload", "watch");
        allow("cli", "checkpoint", "completion", "config", "engine", "multipart", "observability", "stability",
                "upload");
        allow("dev", "config", "s3");
        allow("", "cli");
    }

    private static void allow(String pkg, String... uses) {
        ALLOWED.put(pkg, Set.of(uses));
    }

    private static String name(String pkg) {
        return pkg.isEmpty() ? "io.chute" : "io.chute." + pkg;
    }

    @Test
    void everyPackageOfTheCode_isInThePicture() {
        Set<String> actual = CHUTE.stream().map(c -> c.getPackageName())
                .map(p -> p.equals("io.chute") ? "" : p.substring("io.chute.".length()).split("\\.")[0])
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(ALLOWED.keySet()).containsAll(actual);
    }

    @Test
    void eachPackage_dependsOnlyOnThePackagesItIsAllowed() {
        for (Map.Entry<String, Set<String>> e : ALLOWED.entrySet()) {
            List<String> forbidden = ALLOWED.keySet().stream()
                    .filter(other -> !other.equals(e.getKey()) && !e.getValue().contains(other) && !other.isEmpty())
                    .map(other -> name(other) + "..").toList();
            String self = e.getKey().isEmpty() ? "io.chute" : name(e.getKey()) + "..";
            ArchRule rule = noClasses().that().resideInAPackage(self)
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                    .because(name(e.getKey()) + " may use only " + e.getValue());
            rule.check(CHUTE);
        }
    }

    @Test
    void noStage_importsTheDaemonTheCommandLineOrObservability() {
        noClasses().that().resideInAnyPackage("io.chute.watch..", "io.chute.stability..", "io.chute.queue..",
                        "io.chute.upload..", "io.chute.multipart..", "io.chute.checkpoint..", "io.chute.completion..")
                .should().dependOnClassesThat().resideInAnyPackage("io.chute.daemon..", "io.chute.cli..",
                        "io.chute.observability..", "io.chute.engine..")
                .check(CHUTE);
    }

    @Test
    void packages_areFreeOfCycles() {
        slices().matching("io.chute.(*)..").should().beFreeOfCycles().check(CHUTE);
    }
}
