package io.chute.multipart;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * User-metadata values as valid HTTP header values. HTTP header values are not UTF-8; S3 defines non-ASCII
 * user-metadata values as RFC 2047 encoded words: AWS decodes {@code =?UTF-8?B?...?=} before storing and encodes
 * again when answering; stores that do not decode (S3Mock, S3Proxy, Ceph RGW) keep and return the encoded word,
 * which every MIME library decodes. A raw UTF-8 value is what made RGW and S3Proxy answer 403
 * SignatureDoesNotMatch (the client signs the characters, the server the bytes it read).
 *
 * <p>Printable ASCII values are sent unchanged, except one that itself looks like an encoded word (S3 would decode
 * it); everything else becomes a single {@code =?UTF-8?B?<base64>?=} word (as S3 returns them). Control characters
 * are not encoded: {@link #controlCharacterIn} finds them so the value is refused where it is made.
 */
public final class MetadataValues {

    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?\\s]+)\\?([BbQq])\\?([^?\\s]*)\\?=");
    private static final Pattern WORDS = Pattern.compile("(?:" + ENCODED_WORD.pattern() + ")(?:\\s+(?:"
            + ENCODED_WORD.pattern() + "))*");

    private MetadataValues() {
    }

    /** The header value sent for {@code value}: unchanged when plain printable ASCII, else an RFC 2047 B word. */
    public static String encode(String value) {
        if (isPlainAscii(value) && !(value.startsWith("=?") && value.endsWith("?="))) {
            return value;
        }
        return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    /**
     * The value a stored header stands for: a value made only of RFC 2047 encoded words (B or Q, any charset the
     * JDK knows; whitespace between adjacent words ignored, as RFC 2047 says) is decoded; anything else is returned
     * as it is.
     */
    public static String decode(String header) {
        if (header == null || !WORDS.matcher(header).matches()) {
            return header;
        }
        StringBuilder out = new StringBuilder();
        Matcher word = ENCODED_WORD.matcher(header);
        while (word.find()) {
            Charset charset;
            try {
                charset = Charset.forName(word.group(1));
            } catch (IllegalArgumentException unknownCharset) {
                return header;
            }
            byte[] bytes;
            try {
                bytes = word.group(2).equalsIgnoreCase("B") ? Base64.getDecoder().decode(word.group(3))
                        : qDecode(word.group(3));
            } catch (IllegalArgumentException malformed) {
                return header;
            }
            out.append(new String(bytes, charset));
        }
        return out.toString();
    }

    /** The first control character (C0, DEL or C1; tab included) of {@code value} as "U+XXXX", else null. */
    public static String controlCharacterIn(String value) {
        return value.chars().filter(Character::isISOControl).mapToObj(c -> String.format("U+%04X", c))
                .findFirst().orElse(null);
    }

    static boolean isPlainAscii(String value) {
        return value.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    private static byte[] qDecode(String text) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '_') {
                out.write(' ');
            } else if (c == '=') {
                if (i + 2 >= text.length()) {
                    throw new IllegalArgumentException("truncated escape");
                }
                out.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
