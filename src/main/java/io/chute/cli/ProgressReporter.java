package io.chute.cli;

import io.chute.multipart.TransferListener;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of one upload on stderr, fed by the engine's {@link TransferListener} callbacks (bytes count when
 * S3 acknowledges a part, so progress moves part by part). {@link Style#BAR} redraws one line with
 * {@code \r} (for a terminal); {@link Style#LINES} prints a plain line at every 5 % step or every 2 s,
 * whichever comes first (for logs and pipes). Speed and ETA count only this run's bytes: parts already in S3
 * from an interrupted run show up in the percentage, not in the speed.
 * <p>
 * Thread-safe: part threads report bytes, a ticker thread calls {@link #tick}.
 */
public final class ProgressReporter implements TransferListener {

    public enum Style { BAR, LINES, NONE }

    static final long LINE_INTERVAL_NANOS = 2_000_000_000L;
    static final int LINE_STEP_PERCENT = 5;
    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final Style style;
    private final LongSupplier nanoTime;
    private long totalBytes = -1;
    private long doneBytes;
    private long sentThisRun;
    private long startNanos;
    private long lastSentNanos;
    private long lastLineNanos;
    private int lastStep = -1;
    private int lastWidth;

    public ProgressReporter(PrintStream out, Style style, LongSupplier nanoTime) {
        this.out = out;
        this.style = style;
        this.nanoTime = nanoTime;
    }

    /** BAR when the process has a terminal, LINES otherwise. */
    public static Style autoStyle() {
        return System.console() != null ? Style.BAR : Style.LINES;
    }

    @Override
    public synchronized void planned(Plan plan) {
        totalBytes = plan.bytesTotal();
        doneBytes = plan.bytesDone();
        startNanos = nanoTime.getAsLong();
        sentThisRun = 0;
        if (plan.partsDone() > 0 && style != Style.NONE) {
            out.printf(Locale.ROOT, "resuming upload %s: %d of %d parts (%s) already in S3%n", plan.uploadId(),
                    plan.partsDone(), plan.partsTotal(), Units.bytes(plan.bytesDone()));
        }
        render(true);
    }

    @Override
    public synchronized void bytesSent(Path file, long bytes) {
        doneBytes += bytes;
        sentThisRun += bytes;
        lastSentNanos = nanoTime.getAsLong();
        render(false);
    }

    /** Redraws the bar, or prints a line if one is due; called periodically so speed and ETA stay current. */
    public synchronized void tick() {
        render(false);
    }

    /** Final state: the bar ends with a newline, the lines end with the 100 % line if it is not printed yet. */
    public synchronized void finish() {
        if (totalBytes < 0 || style == Style.NONE) {
            return;
        }
        if (style == Style.BAR) {
            render(true);
            out.println();
        } else if (lastStep < Units.percent(doneBytes, totalBytes) / LINE_STEP_PERCENT) {
            render(true);
        }
        out.flush();
    }

    /** Bytes this run sent (acknowledged by S3), excluding parts stored by an earlier run. */
    public synchronized long sentThisRun() {
        return sentThisRun;
    }

    private void render(boolean force) {
        if (totalBytes < 0 || style == Style.NONE) {
            return;
        }
        long now = nanoTime.getAsLong();
        String text = describe(now);
        if (style == Style.BAR) {
            String line = bar() + " " + text;
            out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
            out.flush();
            return;
        }
        int step = Units.percent(doneBytes, totalBytes) / LINE_STEP_PERCENT;
        if (force || step > lastStep || now - lastLineNanos >= LINE_INTERVAL_NANOS) {
            if (!force && step == lastStep && doneBytes >= totalBytes) {
                return; // complete and already printed: nothing new to say
            }
            out.println("upload: " + text);
            out.flush();
            lastStep = step;
            lastLineNanos = now;
        }
    }

    private String describe(long now) {
        // Once every byte is acknowledged the rate stops at the last part (Complete and HeadObject follow).
        double seconds = ((doneBytes >= totalBytes && sentThisRun > 0 ? lastSentNanos : now) - startNanos) / 1e9;
        double rate = seconds > 0 ? sentThisRun / seconds : 0;
        String eta = doneBytes >= totalBytes ? "0s" : rate > 0
                ? Units.duration((long) Math.ceil((totalBytes - doneBytes) / rate)) : "?";
        return String.format(Locale.ROOT, "%3d%% %s / %s  %s  ETA %s", Units.percent(doneBytes, totalBytes),
                Units.bytes(doneBytes), Units.bytes(totalBytes), Units.rate(rate), eta);
    }

    private String bar() {
        int filled = Units.percent(doneBytes, totalBytes) * BAR_WIDTH / 100;
        return "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "]";
    }
}
