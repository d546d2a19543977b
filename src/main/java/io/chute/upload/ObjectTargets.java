package io.chute.upload;

import io.chute.config.DropRule;
import io.chute.config.TargetOptions;
import io.chute.config.TargetOptions.KeyTime;
import io.chute.multipart.MetadataValues;
import io.chute.multipart.ObjectOptions;
import io.chute.stability.FileIdentity;
import io.chute.upload.ObjectKeyResolver.InvalidKeyException;

import java.net.URLConnection;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a rule's target options into the {@link ObjectOptions} of one file: metadata placeholders expanded,
 * content type detected from the file name unless the rule fixes one, SSE spelled as S3 expects.
 */
public final class ObjectTargets {

    /** Common names the JDK's table ({@link URLConnection#guessContentTypeFromName}) does not know. */
    private static final Map<String, String> EXTRA_TYPES = Map.of(
            "log", "text/plain",
            "yaml", "application/yaml",
            "yml", "application/yaml",
            "parquet", "application/vnd.apache.parquet",
            "ndjson", "application/x-ndjson",
            "zst", "application/zstd");

    private ObjectTargets() {
    }

    /** The instant the key's time placeholders read: the file's mtime, or now for {@code key-time: upload}. */
    static Instant keyTime(DropRule rule, FileIdentity identity, Clock clock) {
        return rule.target().keyTime() == KeyTime.UPLOAD ? clock.instant() : Instant.ofEpochMilli(identity.mtimeMillis());
    }

    /**
     * The object options of one file; throws {@link InvalidKeyException} when an expanded metadata value holds a
     * control character (a file name with a newline or tab in it): no valid HTTP header can carry it, and only
     * that file is refused.
     */
    static ObjectOptions options(DropRule rule, Path relative, Instant time, String hostname) throws InvalidKeyException {
        TargetOptions t = rule.target();
        Map<String, String> metadata = ObjectKeyResolver.metadata(rule, relative, time, hostname);
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            String control = MetadataValues.controlCharacterIn(m.getValue());
            if (control != null) {
                throw new InvalidKeyException("metadata '" + m.getKey() + "' of this file would contain the control"
                        + " character " + control + ", which no HTTP header can carry");
            }
        }
        return new ObjectOptions(
                t.storageClass().orElse(null),
                sseHeader(t.sse()),
                t.kmsKeyId().orElse(null),
                t.tags(),
                metadata,
                t.contentType().orElseGet(() -> contentTypeOf(relative.getFileName().toString())),
                t.cacheControl().orElse(null),
                t.acl().orElse(null),
                t.expectedBucketOwner().orElse(null),
                t.overwrite());
    }

    /**
     * The options a rule gives an object that no file of its folder backs ({@code chute presign multipart --rule}):
     * as {@link #options} for a file named like the key's last segment, found now on this host (so {@code {name}},
     * {@code {ext}} and the time placeholders expand; {@code {path}} is that name), overwrite as the rule says.
     */
    public static ObjectOptions forKey(DropRule rule, String key) throws InvalidKeyException {
        String name = key.substring(key.lastIndexOf('/') + 1);
        return options(rule, Path.of(name.isEmpty() ? "object" : name), Instant.now(), ObjectKeyResolver.localHostname());
    }

    /** The file name a probe write's metadata placeholders are expanded for ({name}, {path}, {ext}, ...). */
    static final Path PROBE_FILE = Path.of("chute-probe.bin");

    /**
     * The options a rule's probe write uses: the rule's storage class, SSE, tags, cache-control, ACL and expected
     * owner, and its metadata expanded for {@link #PROBE_FILE} now on this host (so the values read back can be
     * compared with what was sent); no If-None-Match (the probe key is fresh).
     */
    static ObjectOptions probeOptions(DropRule rule) {
        TargetOptions t = rule.target();
        return new ObjectOptions(t.storageClass().orElse(null), sseHeader(t.sse()), t.kmsKeyId().orElse(null),
                t.tags(), ObjectKeyResolver.metadata(rule, PROBE_FILE, Instant.now(), ObjectKeyResolver.localHostname()),
                null, t.cacheControl().orElse(null), t.acl().orElse(null), t.expectedBucketOwner().orElse(null), true);
    }

    /** The media type of a file name, or null when unknown (the object then gets application/octet-stream). */
    static String contentTypeOf(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0 || fileName.indexOf('#') >= 0 || fileName.indexOf('?') >= 0) {
            return guessContentType(fileName); // the JDK's table reads more of such names than the extension
        }
        String extension = fileName.substring(dot).toLowerCase(Locale.ROOT);
        if (extension.length() > MAX_CACHED_EXTENSION || TYPE_BY_EXTENSION.size() >= MAX_CACHED_EXTENSIONS) {
            return guessContentType(fileName);
        }
        // The JDK's guess for a name like this depends on its extension only; its table is a synchronized
        // Hashtable that all upload threads would otherwise queue on once per file
        return TYPE_BY_EXTENSION.computeIfAbsent(extension, e -> Optional.ofNullable(guessContentType(fileName)))
                .orElse(null);
    }

    private static final int MAX_CACHED_EXTENSION = 16;
    private static final int MAX_CACHED_EXTENSIONS = 1024;
    private static final Map<String, Optional<String>> TYPE_BY_EXTENSION =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The JDK's guess from the name, else Chute's own table of types the JDK does not know; not cached. */
    static String guessContentType(String fileName) {
        String guessed = URLConnection.guessContentTypeFromName(fileName);
        if (guessed != null) {
            return guessed;
        }
        int dot = fileName.lastIndexOf('.');
        return dot < 0 ? null : EXTRA_TYPES.get(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static String sseHeader(TargetOptions.Sse sse) {
        switch (sse) {
            case AES256:
                return "AES256";
            case AWS_KMS:
                return "aws:kms";
            default:
                return null;
        }
    }
}
