package io.chute.config;

import io.chute.config.ChuteConfig.Rule;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How a rule's objects are stored: the rule's target options as plain values, built once from a validated
 * {@link Rule}. Immutable. Accepted spellings are case-insensitive and '-' equals '_' ({@code standard-ia} =
 * {@code STANDARD_IA}); {@link ConfigValidator} refuses anything else, naming the accepted values.
 */
public record TargetOptions(
        KeyTime keyTime,
        Optional<String> storageClass,
        Sse sse,
        Optional<String> kmsKeyId,
        Map<String, String> tags,
        Optional<String> contentType,
        Optional<String> cacheControl,
        Optional<String> acl,
        Optional<String> expectedBucketOwner,
        boolean overwrite,
        OnConflict onConflict) {

    /** Storage classes a rule may name (S3's names). */
    public static final List<String> STORAGE_CLASSES = List.of("STANDARD", "STANDARD_IA", "ONEZONE_IA",
            "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE", "REDUCED_REDUNDANCY");

    /** Canned ACLs a rule may name (S3's header values). */
    public static final List<String> CANNED_ACLS = List.of("private", "public-read", "public-read-write",
            "authenticated-read", "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control");

    /** Which instant the time placeholders of the key template read. */
    public enum KeyTime { MTIME, UPLOAD }

    /** Server-side encryption requested on every object. */
    public enum Sse { NONE, AES256, AWS_KMS }

    /** What an existing, different object under the key means for a no-overwrite rule. */
    public enum OnConflict { QUARANTINE, SUFFIX }

    public TargetOptions {
        tags = Map.copyOf(tags);
    }

    /** Options of a validated rule. */
    public static TargetOptions from(Rule rule) {
        return new TargetOptions(
                parse(KeyTime.class, rule.keyTime()).orElseThrow(),
                rule.storageClass().map(TargetOptions::normalise),
                parse(Sse.class, rule.sse()).orElseThrow(),
                rule.kmsKeyId(),
                rule.tags(),
                rule.contentType(),
                rule.cacheControl(),
                rule.acl().map(a -> a.toLowerCase(Locale.ROOT).replace('_', '-')),
                rule.expectedBucketOwner(),
                rule.overwrite(),
                parse(OnConflict.class, rule.onConflict()).orElseThrow());
    }

    /** Defaults: mtime key time, bucket defaults for storage, overwrite allowed. */
    public static TargetOptions defaults() {
        return new TargetOptions(KeyTime.MTIME, Optional.empty(), Sse.NONE, Optional.empty(), Map.of(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), true, OnConflict.QUARANTINE);
    }

    /** The constant of {@code type} that {@code value} spells, if any. */
    static <E extends Enum<E>> Optional<E> parse(Class<E> type, String value) {
        String name = normalise(value);
        return Arrays.stream(type.getEnumConstants()).filter(e -> e.name().equals(name)).findFirst();
    }

    /** The accepted spellings of an option backed by {@code type}, as written in configuration files. */
    static <E extends Enum<E>> List<String> spellings(Class<E> type) {
        return Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
    }

    static String normalise(String value) {
        return value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    }
}
