package io.chute.config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator's configuration that is wrong in ways the types let through: symbolic links into drop folders,
 * folders shared between rules, a zero quiet period, endpoints with paths, prefixes with '..', and values
 * that do not convert at all, all reported at once by property path.
 */
@Tag("hostile")
class HostileConfigTest {

    @TempDir
    Path tmp;

    private Path inbox;

    private Map<String, String> valid() throws Exception {
        inbox = Files.createDirectories(tmp.resolve("inbox"));
        Map<String, String> p = new HashMap<>();
        p.put("chute.state-dir", tmp.resolve("state").toString());
        p.put("chute.rules[0].name", "inbox");
        p.put("chute.rules[0].path", inbox.toString());
        p.put("chute.rules[0].bucket", "my-bucket");
        return p;
    }

    /** The raw configuration as SmallRye reads it, without the typed mapping (which may not even succeed). */
    static List<String> errors(Map<String, String> properties) {
        SmallRyeConfig raw = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 100)).build();
        return ConfigRefusal.errors(raw);
    }

    @Test
    void validConfiguration_hasNoErrors() throws Exception {
        assertThat(errors(valid())).isEmpty();
    }

    @Test
    void conversionErrors_areListedTogetherWithEverySemanticError_eachByPropertyPathWithTheAcceptedValues()
            throws Exception {
        Map<String, String> p = valid();
        p.put("chute.rules[0].after-upload", "shred");
        p.put("chute.rules[0].recursive", "maybe");
        p.put("chute.upload.workers", "zero");
        p.put("chute.upload.retry-backoff", "soon");
        p.put("chute.upload.part-size", "3Q");
        p.put("chute.rules[0].quiet-period", "0");
        p.put("chute.rules[0].bucket", "Bad_Bucket");
        p.put("chute.rules[0].prefix", "/in/../x/");
        p.put("chute.s3.endpoint", "http://127.0.0.1:9000/foo");
        p.put("chute.state-dir", inbox.resolve(".chute").toString());

        List<String> errors = errors(p);

        assertThat(errors).hasSize(10);
        assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].after-upload: 'shred'")
                        .contains("[keep, delete, move]"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].recursive: 'maybe'").contains("true, false"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.upload.workers: 'zero'").contains("whole number"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.upload.retry-backoff: 'soon'").contains("5s"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.upload.part-size: '3Q'").contains("16M"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].quiet-period:").contains("marker"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].bucket:"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].prefix:"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.s3.endpoint:").contains("http://127.0.0.1:9000)"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.state-dir:").contains("lies inside"));
    }

    @Test
    void stateDirReachedThroughASymlinkIntoTheDropFolder_isRefused() throws Exception {
        Map<String, String> p = valid();
        Path real = Files.createDirectories(inbox.resolve("state"));
        Path link = Files.createSymbolicLink(tmp.resolve("state-link"), real);
        p.put("chute.state-dir", link.toString());
        assertThat(errors(p)).singleElement().asString().startsWith("chute.state-dir: '" + link + "' (really '" + real
                + "') lies inside the watched folder of rule 'inbox'");
    }

    @Test
    void stateDirNotCreatedYet_underASymlinkedParentInTheDropFolder_isRefused() throws Exception {
        Map<String, String> p = valid();
        Path link = Files.createSymbolicLink(tmp.resolve("var"), inbox);
        p.put("chute.state-dir", link.resolve("lib/chute").toString());
        assertThat(errors(p)).singleElement().asString().startsWith("chute.state-dir:")
                .contains("really '" + inbox.toRealPath().resolve("lib/chute") + "'");
    }

    @Test
    void stateDirContainingTheDropFolder_isRefused() throws Exception {
        Map<String, String> p = valid();
        p.put("chute.state-dir", tmp.toString());
        assertThat(errors(p)).singleElement().asString().startsWith("chute.state-dir:").contains("contains");
    }

    @Test
    void quarantineDirEqualToTheDropFolder_isRefused_evenForANonRecursiveRule() throws Exception {
        Map<String, String> p = valid();
        p.put("chute.rules[0].recursive", "false");
        p.put("chute.rules[0].quarantine-dir", inbox.toString());
        assertThat(errors(p)).singleElement().asString().startsWith("chute.rules[0].quarantine-dir:").contains(" is ");
    }

    @Test
    void archiveDirThroughASymlinkIntoAnotherRulesFolder_isRefused() throws Exception {
        Map<String, String> p = valid();
        Path other = Files.createDirectories(tmp.resolve("other"));
        p.put("chute.rules[1].name", "other");
        p.put("chute.rules[1].path", other.toString());
        p.put("chute.rules[1].bucket", "other-bucket");
        Path link = Files.createSymbolicLink(tmp.resolve("archive"), other);
        p.put("chute.rules[0].after-upload", "move");
        p.put("chute.rules[0].archive-dir", link.resolve("{yyyy}/{MM}").toString());
        assertThat(errors(p)).singleElement().asString().startsWith("chute.rules[0].archive-dir:")
                .contains("watched folder of rule 'other'");
    }

    @Test
    void twoRulesOnOneFolderReachedThroughASymlink_areRefused() throws Exception {
        Map<String, String> p = valid();
        Path link = Files.createSymbolicLink(tmp.resolve("inbox-link"), inbox);
        p.put("chute.rules[1].name", "again");
        p.put("chute.rules[1].path", link.toString());
        p.put("chute.rules[1].bucket", "other-bucket");
        assertThat(errors(p)).singleElement().asString().startsWith("chute.rules[1].path:")
                .contains("nested with the folder of rule 'inbox'");
    }

    @Test
    void quietPeriodBelowTheFloor_isRefused_butZeroIsFineInMarkerMode() throws Exception {
        Map<String, String> p = valid();
        p.put("chute.rules[0].quiet-period", "50ms");
        assertThat(errors(p)).singleElement().asString().startsWith("chute.rules[0].quiet-period: must be at least 250ms");
        p.put("chute.watch.stability-tick", "10ms");
        assertThat(errors(p)).singleElement().asString().startsWith("chute.rules[0].quiet-period: must be at least 100ms");
        p.put("chute.watch.stability-tick", "1s");
        p.put("chute.rules[0].quiet-period", "500ms");
        assertThat(errors(p)).singleElement().asString().startsWith("chute.rules[0].quiet-period: must be at least 1000ms");
        p.put("chute.rules[0].quiet-period", "0");
        p.put("chute.rules[0].marker", ".done");
        assertThat(errors(p)).isEmpty();
    }

    @Test
    void endpointWithAQueryOrARulesEndpointWithAPath_isRefused_aTrailingSlashIsFine() throws Exception {
        Map<String, String> p = valid();
        p.put("chute.s3.endpoint", "https://s3.example.net/");
        assertThat(errors(p)).isEmpty();
        p.put("chute.s3.endpoint", "https://s3.example.net?x=1");
        p.put("chute.rules[0].s3.endpoint", "http://127.0.0.1:9000/bucket");
        assertThat(errors(p)).hasSize(2).anySatisfy(e -> assertThat(e).startsWith("chute.s3.endpoint:"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].s3.endpoint:"));
        p.put("chute.s3.endpoint", "ftp://s3.example.net");
        assertThat(errors(p)).anySatisfy(e -> assertThat(e).startsWith("chute.s3.endpoint: 'ftp://s3.example.net' is"
                + " not an http(s) URL"));
    }

    @Test
    void prefixWithALeadingSlashOrAnEmptyDotOrDotDotName_isRefused() throws Exception {
        Map<String, String> p = valid();
        for (String bad : List.of("/in/", "in//x/", "./in/", "in/../x", "..")) {
            p.put("chute.rules[0].prefix", bad);
            assertThat(errors(p)).as(bad).singleElement().asString().startsWith("chute.rules[0].prefix:");
        }
        for (String good : List.of("in/", "site-a/raw/", "logs-", "a.b/c..d/")) {
            p.put("chute.rules[0].prefix", good);
            assertThat(errors(p)).as(good).isEmpty();
        }
    }

    @Test
    void everyConfigurationGroup_isRegisteredForReflection_soTheRawCheckWorksInANativeImage() {
        List<Class<?>> targets = List.of(ConversionCheck.class
                .getAnnotation(io.quarkus.runtime.annotations.RegisterForReflection.class).targets());
        assertThat(targets).contains(ChuteConfig.class).containsAll(java.util.Arrays.stream(
                ChuteConfig.class.getDeclaredClasses()).filter(Class::isInterface).toList());
    }

    @Test
    void aValidBooleanSpelledAsYamlWould_isAccepted() throws Exception {
        Map<String, String> p = valid();
        p.put("chute.rules[0].recursive", "FALSE");
        p.put("chute.upload.adaptive", "on");
        assertThat(errors(p)).isEmpty();
    }
}
