package io.chute.watch;

import io.chute.config.DropRule;

import java.nio.file.Path;

/** A candidate file noticed by an event or a scan; a hint only, the stability gate decides. */
public record FileSeen(DropRule rule, Path path) {
}
