package io.chute.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed text a reader relies on (README, docs, deployment files, scripts, sources) holds no half-resolved
 * merge: a merge of two branches that both appended to {@code docs/decisions.md} once landed with its conflict
 * markers, and nothing else would notice.
 */
class RepositoryTextTest {

    private static final Pattern CONFLICT_MARKER = Pattern.compile("^(<{7} |={7}$|>{7} )");

    @Test
    void noCommittedTextFile_holdsAMergeConflictMarker() throws IOException {
        List<String> found = new ArrayList<>();
        for (String top : List.of("README.md", "docs", "deploy", "config", "bench", "src", ".ci")) {
            Path start = Path.of(top);
            if (!Files.exists(start)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(start)) {
                for (Path file : files.filter(Files::isRegularFile).filter(RepositoryTextTest::isText).toList()) {
                    List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
                    for (int i = 0; i < lines.size(); i++) {
                        if (CONFLICT_MARKER.matcher(lines.get(i)).find()) {
                            found.add(file + ":" + (i + 1));
                        }
                    }
                }
            }
        }
        assertThat(found).as("merge conflict markers").isEmpty();
    }

    @Test
    void theMarkerPattern_findsEachOfTheThreeMarkers_andNotAMarkdownRule() {
        assertThat(List.of("<<<<<<< HEAD", "=======", ">>>>>>> branch"))
                .allMatch(line -> CONFLICT_MARKER.matcher(line).find());
        assertThat(List.of("=== heading", "========", "<<< a", "---"))
                .noneMatch(line -> CONFLICT_MARKER.matcher(line).find());
    }

    private static boolean isText(Path file) {
        String name = file.getFileName().toString();
        return !file.toString().contains("/results/") && Stream.of(".md", ".java", ".yaml", ".yml", ".sh", ".py",
                ".properties", ".service", ".txt", ".json", "run").anyMatch(name::endsWith);
    }
}
