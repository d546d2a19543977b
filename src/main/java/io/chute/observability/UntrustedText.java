package io.chute.observability;

/**
 * Makes text from outside (file names, object keys, S3 error messages) safe to put on one log line: every
 * character that could end, split or recolour a line is written as a visible escape. Line feed and carriage
 * return become {@code \n} and {@code \r}; other C0 controls and DEL {@code \x1b}-style; C1 controls (NEL
 * among them), the Unicode line and paragraph separators and unpaired surrogates (what undecodable bytes can
 * leave in a name) {@code \u0085}-style. Tab and everything else, backslash included, pass unchanged.
 */
public final class UntrustedText {

    private UntrustedText() {
    }

    /** The text with every line-breaking or control character escaped; the same string when there is none. */
    public static String escape(String text) {
        int first = firstUnsafe(text);
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (!unsafe(c)) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c < 0x80) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    /** Whether the text holds anything {@link #escape} would change. */
    public static boolean needsEscaping(String text) {
        return text != null && firstUnsafe(text) >= 0;
    }

    private static int firstUnsafe(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (unsafe(c)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean unsafe(char c) {
        return (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                || Character.isSurrogate(c);
    }
}
