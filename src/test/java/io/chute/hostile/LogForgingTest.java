package io.chute.hostile;

import io.chute.observability.SecretRedactingFilter;
import io.chute.observability.UntrustedText;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.NoSuchFileException;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A file name is data: whatever control characters it holds, the console log line that names it stays one
 * line, so nobody who can name a file in a drop folder can forge or split log lines.
 */
@Tag("hostile")
class LogForgingTest {

    /** The console format of application.yaml. */
    static final String FORMAT = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5p [%c{1.}] (%t) %s%e%n";
    static final String FORGED = "2026-12-02 10:00:00.000 INFO  [i.c.u.UploaderPool] (chute-upload-1) path=forged"
            + " key=forged uploaded";
    static final String NAME = "/in/report\n" + FORGED + "\r\u001b[2Jx\u0085y\u2028z.bin";

    private static String logged(ExtLogRecord record) {
        new SecretRedactingFilter().isLoggable(record);
        return new PatternFormatter(FORMAT).format(record);
    }

    private static ExtLogRecord record(String format, Object... params) {
        ExtLogRecord record = new ExtLogRecord(Level.INFO, format, ExtLogRecord.FormatStyle.PRINTF,
                "io.chute.upload.UploaderPool");
        record.setParameters(params);
        record.setLoggerName("io.chute.upload.UploaderPool");
        return record;
    }

    @Test
    void fileNameWithNewlineAndAForgedLogLine_staysOnOneLine() {
        String out = logged(record("rule=%s path=%s uploaded", "inbox", NAME));
        assertThat(out.split("\n", -1)).hasSize(2).endsWith("");
        assertThat(out).contains("report\\n2026-12-02 10:00:00.000 INFO").contains("\\r\\x1b[2Jx\\u0085y\\u2028z.bin")
                .doesNotContain("\r").doesNotContain("\u001b");
        for (String line : out.split("\n")) {
            assertThat(line).doesNotStartWith("2026-12-02 10:00:00.000 INFO");
        }
    }

    @Test
    void exceptionMessageNamingTheFile_staysOnItsOwnLinesInTheStackTrace() {
        ExtLogRecord record = record("rule=%s cannot read it", "inbox");
        record.setThrown(new java.io.UncheckedIOException(new NoSuchFileException(NAME)));
        String out = logged(record);
        assertThat(out).contains("java.nio.file.NoSuchFileException: /in/report\\n2026-12-02");
        for (String line : out.split("\n")) {
            assertThat(line).doesNotStartWith("2026-12-02 10:00:00.000 INFO");
        }
    }

    @Test
    void escape_leavesOrdinaryAndNonLatinNamesAlone_andEscapesUnpairedSurrogates() {
        assertThat(UntrustedText.escape("café/日本語/\uD83D\uDE00 tab\there.bin"))
                .isEqualTo("café/日本語/\uD83D\uDE00 tab\there.bin");
        assertThat(UntrustedText.escape("bad\uDC80byte\u007f")).isEqualTo("bad\\udc80byte\\x7f");
    }
}
