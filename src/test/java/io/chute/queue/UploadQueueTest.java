package io.chute.queue;

import io.chute.config.DropRule;
import io.chute.stability.FileIdentity;
import io.chute.stability.StableFile;
import io.chute.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UploadQueueTest {

    private final UploadQueue queue = new UploadQueue(4, Clock.systemUTC());

    private static StableFile file(DropRule rule, String name) {
        return file(rule, name, Instant.EPOCH);
    }

    private static StableFile file(DropRule rule, String name, Instant seenAt) {
        return new StableFile(rule, rule.folder().resolve(name), new FileIdentity(1, 1, name), seenAt);
    }

    private static DropRule rule(String name) {
        TestRules t = TestRules.in(Path.of("/drop", name));
        t.name = name;
        return t.build();
    }

    private List<String> drain() throws InterruptedException {
        List<String> order = new ArrayList<>();
        while (queue.depth() > 0) {
            order.add(queue.poll(Duration.ZERO).orElseThrow().path().getFileName().toString());
        }
        return order;
    }

    @Test
    void fullQueue_refusesWithoutBlocking() {
        DropRule a = rule("a");
        assertThat(queue.offer(file(a, "1"))).isTrue();
        assertThat(queue.offer(file(a, "2"))).isTrue();
        assertThat(queue.offer(file(a, "3"))).isTrue();
        assertThat(queue.offer(file(a, "4"))).isTrue();
        assertThat(queue.offer(file(a, "5"))).as("capacity 4").isFalse();
        assertThat(queue.depth()).isEqualTo(4);
    }

    @Test
    void takesRulesInTurn_oldestFirstWithinARule_andReportsTheSameOrderAsPositions() throws Exception {
        DropRule a = rule("a");
        DropRule b = rule("b");
        queue.offer(file(a, "a1"));
        queue.offer(file(a, "a2"));
        queue.offer(file(a, "a3"));
        queue.offer(file(b, "b1"));
        List<String> positions = queue.queued().stream().map(q -> q.position() + ":" + q.file().path().getFileName()).toList();
        assertThat(positions).containsExactly("1:a1", "2:b1", "3:a2", "4:a3");
        assertThat(drain()).containsExactly("a1", "b1", "a2", "a3");
    }

    @Test
    void withinARule_theFileSeenFirstGoesFirst_whateverOrderTheGateHandsThemOver() throws Exception {
        DropRule a = rule("a");
        queue.offer(file(a, "late", Instant.parse("2026-11-23T10:00:03Z")));
        queue.offer(file(a, "early", Instant.parse("2026-11-23T10:00:01Z")));
        queue.offer(file(a, "middle", Instant.parse("2026-11-23T10:00:02Z")));
        assertThat(queue.queued()).extracting(q -> q.file().path().getFileName().toString())
                .containsExactly("early", "middle", "late");
        assertThat(drain()).containsExactly("early", "middle", "late");
    }
}
