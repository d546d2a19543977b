package io.chute.cli;

import io.quarkus.runtime.annotations.RegisterForReflection;
import picocli.CommandLine;

import java.nio.file.Path;

/**
 * A target written {@code s3://bucket/key}. A key that is empty or ends with {@code /} names a folder: the
 * file's name is appended, as {@code aws s3 cp} does.
 */
public record S3Uri(String bucket, String key) {

    private static final String SCHEME = "s3://";

    public static S3Uri parse(String text) {
        if (!text.startsWith(SCHEME)) {
            throw new IllegalArgumentException("'" + text + "' is not of the form s3://bucket/key");
        }
        String rest = text.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' names no bucket");
        }
        return new S3Uri(bucket, slash < 0 ? "" : rest.substring(slash + 1));
    }

    /** The object key for uploading {@code file} to this target. */
    public String keyFor(Path file) {
        return key.isEmpty() || key.endsWith("/") ? key + file.getFileName() : key;
    }

    @Override
    public String toString() {
        return SCHEME + bucket + "/" + key;
    }

    /** picocli converter: a malformed target is a usage error (exit status 2). */
    @RegisterForReflection // picocli reads its annotations reflectively, also in a native image
    static final class Converter implements CommandLine.ITypeConverter<S3Uri> {
        @Override
        public S3Uri convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
