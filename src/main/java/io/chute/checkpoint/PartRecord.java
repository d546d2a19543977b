package io.chute.checkpoint;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A journal record for one acknowledged part; field names are part of the frozen on-disk format. */
@RegisterForReflection
public record PartRecord(int part, long size, String etag, String crc32c, String md5) {
}
