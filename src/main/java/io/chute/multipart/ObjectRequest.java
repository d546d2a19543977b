package io.chute.multipart;

import io.chute.stability.FileIdentity;

import java.nio.file.Path;
import java.util.Map;

/** One file to store as one object, with the identity it must keep while it is read. */
public record ObjectRequest(Path file, FileIdentity identity, String bucket, String key, Map<String, String> metadata) {
}
