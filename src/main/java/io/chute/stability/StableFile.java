package io.chute.stability;

import io.chute.config.DropRule;

import java.nio.file.Path;
import java.time.Instant;

/** A file whose identity stayed unchanged for the rule's quiet period; {@code seenAt} is when it was first seen. */
public record StableFile(DropRule rule, Path path, FileIdentity identity, Instant seenAt) {

    /** Path relative to the rule's folder. */
    public Path relativePath() {
        return rule.folder().relativize(path);
    }
}
