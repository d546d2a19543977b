package io.chute.upload;

import io.chute.config.DropRule;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Object key = rule prefix + key template, a pure function of the rule, the file's relative path, one instant
 * and the host name, so every retry and resume targets the same key (the caller freezes the key in the sidecar
 * when a multipart upload starts). Placeholders: {path} (relative, '/'-separated), {name}, {stem}, {ext},
 * {rule}, {yyyy} {MM} {dd} {HH} (of the given instant in UTC) and {hostname}. Names are normalised to Unicode
 * NFC. Each placeholder is expanded once, left to right: a file name containing "{rule}" stays literal.
 */
public final class ObjectKeyResolver {

    private static final int MAX_KEY_BYTES = 1024;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z]+)}");
    private static final String HOSTNAME = lookUpHostname();

    private ObjectKeyResolver() {
    }

    /**
     * Resolves the key; throws {@link InvalidKeyException} for keys S3 would refuse (empty, over 1,024 UTF-8
     * bytes) or that are unsafe (a "." or ".." segment, control characters).
     */
    public static String resolve(DropRule rule, Path relative, Instant time, String hostname) throws InvalidKeyException {
        String key = rule.prefix() + expand(rule.keyTemplate(), placeholders(rule, relative, time, hostname));
        check(key);
        return key;
    }

    /** The rule's metadata with placeholders in the values expanded as in {@link #resolve}. */
    public static Map<String, String> metadata(DropRule rule, Path relative, Instant time, String hostname) {
        Map<String, String> values = placeholders(rule, relative, time, hostname);
        Map<String, String> resolved = new LinkedHashMap<>();
        rule.metadata().forEach((name, template) -> resolved.put(name, expand(template, values)));
        return Map.copyOf(resolved);
    }

    /**
     * The n-th alternative of a key for a no-overwrite conflict: "-n" before the extension of the last segment
     * ({@code a/report.csv} → {@code a/report-2.csv}; {@code a/README} → {@code a/README-2}).
     */
    public static String suffixed(String key, int n) throws InvalidKeyException {
        int slash = key.lastIndexOf('/');
        int dot = key.lastIndexOf('.');
        String alternative = dot > slash + 1
                ? key.substring(0, dot) + "-" + n + key.substring(dot)
                : key + "-" + n;
        check(alternative);
        return alternative;
    }

    /** This machine's host name, looked up once; "localhost" when it cannot be determined. */
    public static String localHostname() {
        return HOSTNAME;
    }

    private static Map<String, String> placeholders(DropRule rule, Path relative, Instant time, String hostname) {
        List<String> segments = new ArrayList<>();
        relative.forEach(p -> segments.add(Normalizer.normalize(p.toString(), Normalizer.Form.NFC)));
        String name = segments.get(segments.size() - 1);
        int dot = name.lastIndexOf('.');
        ZonedDateTime utc = time.atZone(ZoneOffset.UTC);
        return Map.of(
                "path", String.join("/", segments),
                "name", name,
                "stem", dot > 0 ? name.substring(0, dot) : name,
                "ext", dot > 0 ? name.substring(dot + 1) : "",
                "rule", rule.name(),
                "yyyy", String.format("%04d", utc.getYear()),
                "MM", String.format("%02d", utc.getMonthValue()),
                "dd", String.format("%02d", utc.getDayOfMonth()),
                "HH", String.format("%02d", utc.getHour()),
                "hostname", Normalizer.normalize(hostname, Normalizer.Form.NFC));
    }

    /** Replaces known placeholders in one pass; unknown ones (refused by config validation) stay literal. */
    private static String expand(String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(values.getOrDefault(m.group(1), m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void check(String key) throws InvalidKeyException {
        if (key.isEmpty()) {
            throw new InvalidKeyException("resolved key is empty");
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES) {
            throw new InvalidKeyException("resolved key is " + bytes + " bytes long; S3 allows at most 1024");
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

    private static String lookUpHostname() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            if (name != null && !name.isBlank()) {
                return name;
            }
        } catch (java.io.IOException e) {
            // fall through: no resolvable host name
        }
        String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? "localhost" : env;
    }

    /** A key that cannot be used for this file; permanent for the file. */
    public static final class InvalidKeyException extends Exception {
        public InvalidKeyException(String message) {
            super(message);
        }
    }
}
