package io.chute.observability;

import io.quarkus.logging.LoggingFilter;
import org.jboss.logmanager.ExtLogRecord;

import java.util.List;
import java.util.Locale;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.regex.Pattern;

/**
 * Rewrites log records so that no credential material reaches a handler, whatever levels an operator turns
 * on: with {@code org.apache.http.headers}/{@code .wire} or the AWS SDK's signer at DEBUG, the client logs
 * {@code Authorization} headers (with their SigV4 signature), session tokens (in headers, canonical requests
 * and presigned URLs). Their values become {@value #REDACTED}. Secret access keys are never sent, so the
 * libraries never log them. Attached to the console handler by {@code quarkus.log.console.filter}.
 * <p>
 * It also keeps untrusted text data: file names, object keys and S3 error messages reach messages verbatim, so
 * every message (and every message of a logged exception's chain) is passed through {@link UntrustedText#escape}:
 * a newline in a file name cannot forge or split a line of the plain-text log, and JSON logs stay one valid
 * object per line. This is the one place it happens; call sites log names as they are.
 */
@LoggingFilter(name = "chute-redact")
public final class SecretRedactingFilter implements Filter {

    public static final String REDACTED = "<redacted>";

    /** Group 1 is kept, the rest of the match is replaced. Values end at a quote, bracket, comma or line end. */
    private static final List<Pattern> SECRETS = List.of(
            Pattern.compile("(?i)((?:proxy-)?authorization\\s*:\\s*)[^\\r\\n\"\\[]+"),
            Pattern.compile("(?i)(x-amz-security-token\\s*[:=]\\s*)[^\\s\"&,\\[\\]]+"),
            Pattern.compile("(?i)((?:x-amz-)?signature=)[0-9a-f]+"));

    private static final List<String> HINTS = List.of("authorization", "security-token", "signature=");

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
        if (message == null) {
            if (record.getThrown() != null && EscapedThrowable.needed(record.getThrown())) {
                record.setThrown(EscapedThrowable.of(record.getThrown()));
            }
            return true;
        }
        String redacted = redact(UntrustedText.escape(message));
        if (record.getThrown() != null && EscapedThrowable.needed(record.getThrown())) {
            record.setThrown(EscapedThrowable.of(record.getThrown()));
        }
        if (!redacted.equals(message)) {
            if (record instanceof ExtLogRecord ext) {
                ext.setMessage(redacted, ExtLogRecord.FormatStyle.NO_FORMAT);
            } else {
                record.setMessage(redacted);
            }
            record.setParameters(null);
        }
        return true;
    }

    /** The text with every credential value replaced; the same string when there is none. */
    public static String redact(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (HINTS.stream().noneMatch(lower::contains)) {
            return text;
        }
        String out = text;
        for (Pattern secret : SECRETS) {
            out = secret.matcher(out).replaceAll("$1" + REDACTED);
        }
        return out;
    }
}
