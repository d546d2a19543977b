package io.chute.completion;

import io.chute.checkpoint.InstallationKey;
import io.chute.checkpoint.SidecarStore;
import io.chute.testing.TestRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What quarantine leaves for an operator: the file, unchanged, and a whole {@code .reason} beside it (written
 * under a hidden temporary name and renamed, so a reader never sees half of one), and nothing else.
 */
class CompletionQuarantineTest {

    @TempDir
    Path tmp;

    @Test
    void quarantinedFile_isMovedWithAWholeReason_andNoTemporaryFileStays() throws Exception {
        Path state = tmp.resolve("state");
        Completion completion = new Completion(new ReceiptStore(state),
                new SidecarStore(InstallationKey.loadOrCreate(state), Clock.systemUTC(), null), state, Clock.systemUTC());
        Path folder = Files.createDirectories(tmp.resolve("drop"));
        TestRules rule = TestRules.in(folder);
        Path file = Files.writeString(folder.resolve("refused.csv"), "the server refused this");

        Path target = completion.quarantine(rule.build(), file, "InvalidArgument: no", 3);

        assertThat(target.getParent()).as("the default quarantine folder").isEqualTo(state.resolve("quarantine/inbox"));
        assertThat(file).doesNotExist();
        assertThat(target).hasContent("the server refused this");
        assertThat(target.resolveSibling("refused.csv.reason")).content()
                .contains("rule: " + rule.build().name()).contains("attempts: 3").endsWith("reason: InvalidArgument: no\n");
        try (Stream<Path> left = Files.list(target.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("refused.csv", "refused.csv.reason");
        }
    }
}
