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
        if (rule.metadata().isEmpty()) {
            return Map.of();
        }
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
        List<String> segments = keySegments(rule.folder(), relative);
        String name = segments.get(segments.size() - 1);
        int dot = name.lastIndexOf('.');
        ZonedDateTime utc = time.atZone(ZoneOffset.UTC);
        return Map.of(
                "path", String.join("/", segments),
                "name", name,
                "stem", dot > 0 ? name.substring(0, dot) : name,
                "ext", dot > 0 ? name.substring(dot + 1) : "",
                "rule", rule.name(),
                "yyyy", zeroPadded(utc.getYear(), 4),
                "MM", zeroPadded(utc.getMonthValue(), 2),
                "dd", zeroPadded(utc.getDayOfMonth(), 2),
                "HH", zeroPadded(utc.getHour(), 2),
                "hostname", Normalizer.normalize(hostname, Normalizer.Form.NFC));
    }

    /** {@code value} with leading zeros to {@code width} digits, as {@code %0<width>d} (String.format costs more than the rest of a key). */
    static String zeroPadded(int value, int width) {
        String digits = Long.toString(Math.abs((long) value));
        String sign = value < 0 ? "-" : "";
        int pad = width - sign.length() - digits.length();
        return pad > 0 ? sign + "0".repeat(pad) + digits : sign + digits;
    }

    /**
     * The key text of each segment of {@code relative} (below {@code folder}): the name in Unicode NFC; a name that
     * is not valid UTF-8 keeps its valid characters and has each byte of an invalid sequence written as
     * {@code %XX} (two upper-case hex digits) and each literal {@code %} as {@code %25}, so distinct byte names
     * give distinct texts (never U+FFFD for several bytes). The bytes are read from the path's URI form, which
     * the JDK builds from the name's raw bytes.
     */
    public static List<String> keySegments(Path folder, Path relative) {
        List<String> segments = new ArrayList<>();
        List<String> raw = null;
        for (int i = 0; i < relative.getNameCount(); i++) {
            String text = relative.getName(i).toString();
            if (text.indexOf('\uFFFD') >= 0) {
                if (raw == null) {
                    raw = rawSegments(folder.toAbsolutePath().resolve(relative), relative.getNameCount());
                }
                text = encodeBytes(raw.get(i));
            }
            segments.add(Normalizer.normalize(text, Normalizer.Form.NFC));
        }
        return segments;
    }

    /** Whether a name maps to key text by NFC alone (valid UTF-8, already NFC): no other name can share it. */
    static boolean plainName(Path name) {
        String text = name.toString();
        return text.indexOf('\uFFFD') < 0 && Normalizer.isNormalized(text, Normalizer.Form.NFC);
    }

    /** The last {@code n} segments of an absolute path, each as its percent-escaped raw bytes. */
    private static List<String> rawSegments(Path absolute, int n) {
        String rawPath = absolute.toUri().getRawPath();
        if (rawPath.endsWith("/")) {
            rawPath = rawPath.substring(0, rawPath.length() - 1);
        }
        String[] all = rawPath.split("/", -1);
        return List.of(all).subList(all.length - n, all.length);
    }

    /** Percent-escaped bytes (as in a URI) → key text: valid UTF-8 decoded, invalid bytes as %XX, '%' as %25. */
    static String encodeBytes(String escaped) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c == '%' && i + 2 < escaped.length()) {
                bytes.write(Integer.parseInt(escaped.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return encodeBytes(bytes.toByteArray());
    }

    static String encodeBytes(byte[] name) {
        java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(name);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(name.length * 3 + 4);
        StringBuilder text = new StringBuilder();
        while (in.hasRemaining()) {
            java.nio.charset.CoderResult result = utf8.decode(in, out, true);
            out.flip();
            appendEscapingPercent(text, out);
            out.clear();
            if (result.isMalformed() || result.isUnmappable()) {
                for (int k = 0; k < result.length(); k++) {
                    text.append(String.format("%%%02X", in.get() & 0xff));
                }
            } else if (result.isUnderflow()) {
                break;
            }
        }
        utf8.flush(out);
        out.flip();
        appendEscapingPercent(text, out);
        return text.toString();
    }

    private static void appendEscapingPercent(StringBuilder text, java.nio.CharBuffer chars) {
        while (chars.hasRemaining()) {
            char c = chars.get();
            text.append(c == '%' ? "%25" : String.valueOf(c));
        }
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
