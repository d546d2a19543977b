package io.chute.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.chute.config.ConfigValidatorTest.validate;
import static org.assertj.core.api.Assertions.assertThat;

/** Discovery and stability options: each invalid value names its property. */
class IngestConfigValidationTest {

    @TempDir
    Path tmp;

    private Map<String, String> rule(String name, Path folder) throws Exception {
        Files.createDirectories(folder);
        Map<String, String> p = new HashMap<>();
        p.put("chute.state-dir", tmp.resolve("state").toString());
        p.put("chute.rules[0].name", name);
        p.put("chute.rules[0].path", folder.toString());
        p.put("chute.rules[0].bucket", "my-bucket");
        return p;
    }

    @Test
    void discoveryOptions_acceptTheDocumentedValues() throws Exception {
        Map<String, String> p = rule("inbox", tmp.resolve("inbox"));
        p.put("chute.rules[0].watch-mode", "poll");
        p.put("chute.rules[0].poll-interval", "10s");
        p.put("chute.rules[0].marker", ".ready");
        p.put("chute.rules[0].max-stabilize", "2h");
        p.put("chute.rules[0].symlinks", "follow-inside-root");
        p.put("chute.rules[0].after-upload", "move");
        p.put("chute.rules[0].archive-dir", tmp.resolve("archive/{yyyy}/{MM}/{dd}/{HH}").toString());
        assertThat(validate(p)).isEmpty();
    }

    @Test
    void zeroIntervals_badMarker_andUnknownArchivePlaceholder_areEachNamed() throws Exception {
        Map<String, String> p = rule("inbox", tmp.resolve("inbox"));
        p.put("chute.rules[0].poll-interval", "0s");
        p.put("chute.rules[0].max-stabilize", "0s");
        p.put("chute.rules[0].marker", "done/../x");
        p.put("chute.rules[0].after-upload", "move");
        p.put("chute.rules[0].archive-dir", tmp.resolve("archive/{week}").toString());
        p.put("chute.rules[0].max-attempts", "0");
        List<String> errors = validate(p);
        assertThat(errors).anyMatch(e -> e.startsWith("chute.rules[0].max-attempts: must be at least 1"));
        assertThat(errors).anyMatch(e -> e.startsWith("chute.rules[0].poll-interval: must be positive"));
        assertThat(errors).anyMatch(e -> e.startsWith("chute.rules[0].max-stabilize: must be positive"));
        assertThat(errors).anyMatch(e -> e.startsWith("chute.rules[0].marker: 'done/../x' must be a suffix"));
        assertThat(errors).anyMatch(e -> e.startsWith("chute.rules[0].archive-dir: unknown placeholder {week}"));
        assertThat(errors).hasSize(5);
    }

    @Test
    void overlappingFolders_missingFolder_andStateDirInsideAFolder_nameTheRule() throws Exception {
        Map<String, String> p = rule("outer", tmp.resolve("drop"));
        p.put("chute.state-dir", tmp.resolve("drop/.state").toString());
        p.put("chute.rules[1].name", "inner");
        p.put("chute.rules[1].path", Files.createDirectories(tmp.resolve("drop/inner")).toString());
        p.put("chute.rules[1].bucket", "my-bucket");
        p.put("chute.rules[2].name", "gone");
        p.put("chute.rules[2].path", tmp.resolve("does-not-exist").toString());
        p.put("chute.rules[2].bucket", "my-bucket");
        List<String> errors = validate(p);
        assertThat(errors).anyMatch(e -> e.startsWith("chute.state-dir:") && e.contains("rule 'outer'"));
        assertThat(errors).anyMatch(e -> e.startsWith("chute.rules[1].path:") && e.contains("nested with"));
        assertThat(errors).anyMatch(e -> e.startsWith("chute.rules[2].path:") && e.contains("not an existing directory"));
    }

    @Test
    void unknownWatchMode_isRefusedByTheMapping() throws Exception {
        Map<String, String> p = rule("inbox", tmp.resolve("inbox"));
        p.put("chute.rules[0].watch-mode", "inotify");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> validate(p))
                .hasMessageContaining("chute.rules[0].watch-mode");
    }
}
