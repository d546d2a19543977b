package io.chute.upload;

import io.chute.config.DropRule;

import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Object key = rule prefix + key template, a pure function of the rule and the file's relative path, so every
 * retry and resume targets the same key. Placeholders: {path} (relative, '/'-separated), {name}, {stem},
 * {ext}, {rule}. Names are normalised to Unicode NFC.
 */
public final class ObjectKeyResolver {

    private static final int MAX_KEY_BYTES = 1024;

    private ObjectKeyResolver() {
    }

    /** Resolves the key; throws {@link InvalidKeyException} for keys S3 would refuse or that are unsafe. */
    public static String resolve(DropRule rule, Path relative) throws InvalidKeyException {
        List<String> segments = new ArrayList<>();
        relative.forEach(p -> segments.add(Normalizer.normalize(p.toString(), Normalizer.Form.NFC)));
        String path = String.join("/", segments);
        String name = segments.get(segments.size() - 1);
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot + 1) : "";
        String key = rule.prefix() + rule.keyTemplate()
                .replace("{path}", path).replace("{name}", name).replace("{stem}", stem)
                .replace("{ext}", ext).replace("{rule}", rule.name());
        check(key);
        return key;
    }

    private static void check(String key) throws InvalidKeyException {
        if (key.isEmpty()) {
            throw new InvalidKeyException("resolved key is empty");
        }
        if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new InvalidKeyException("resolved key is longer than 1024 bytes");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                throw new InvalidKeyException("resolved key '" + key + "' has a '" + segment + "' segment");
            }
        }
        if (key.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidKeyException("resolved key contains control characters");
        }
    }

    /** A key that cannot be used for this file; permanent for the file. */
    public static final class InvalidKeyException extends Exception {
        public InvalidKeyException(String message) {
            super(message);
        }
    }
}
