package io.chute.cli;

import io.chute.multipart.TransferListener;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a whole batch on stderr: files finished of all, bytes settled of all (sent, or found already
 * stored), this run's rate and the ETA. {@link ProgressReporter.Style#BAR} redraws one line, {@code LINES} prints
 * one per {@link #tick} (the caller ticks every two seconds), {@code NONE} nothing. Thread-safe.
 */
final class BatchProgress implements TransferListener {

    private final PrintStream out;
    private final ProgressReporter.Style style;
    private final LongSupplier nanoTime;
    private final long startNanos;
    private int totalFiles;
    private long totalBytes;
    private int doneFiles;
    private long doneBytes;
    private long sentThisRun;
    private long sentOfFinishedFiles;
    private final java.util.Map<Path, Long> sentByFile = new java.util.HashMap<>();
    private int lastWidth;

    BatchProgress(PrintStream out, ProgressReporter.Style style, LongSupplier nanoTime) {
        this.out = out;
        this.style = style;
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime.getAsLong();
    }

    synchronized void planned(int files, long bytes) {
        totalFiles = files;
        totalBytes = bytes;
    }

    @Override
    public synchronized void bytesSent(Path file, long bytes) {
        doneBytes += bytes;
        sentThisRun += bytes;
        sentByFile.merge(file, bytes, Long::sum);
    }

    @Override
    public synchronized void planned(Plan plan) {
        doneBytes += plan.bytesDone(); // parts an earlier run stored count as settled
        sentByFile.merge(plan.file(), plan.bytesDone(), Long::sum);
    }

    /** A file is finished (whatever its result): its bytes are settled. */
    synchronized void fileDone(Path file, BatchUpload.Result result) {
        doneFiles++;
        long counted = sentByFile.getOrDefault(file, 0L);
        sentByFile.remove(file);
        long size;
        try {
            size = java.nio.file.Files.size(file);
        } catch (java.io.IOException | RuntimeException gone) {
            size = counted;
        }
        doneBytes += Math.max(0, size - counted);
    }

    synchronized long sentThisRun() {
        return sentThisRun;
    }

    synchronized void tick() {
        render();
    }

    synchronized void finish() {
        if (style == ProgressReporter.Style.NONE) {
            return;
        }
        render();
        if (style == ProgressReporter.Style.BAR) {
            out.println();
        }
        out.flush();
    }

    private void render() {
        if (style == ProgressReporter.Style.NONE) {
            return;
        }
        double seconds = (nanoTime.getAsLong() - startNanos) / 1e9;
        double rate = seconds > 0 ? sentThisRun / seconds : 0;
        long left = Math.max(0, totalBytes - doneBytes);
        String eta = left == 0 ? "0s" : rate > 0 ? Units.duration((long) Math.ceil(left / rate)) : "?";
        String line = String.format(Locale.ROOT, "batch: %d/%d files  %s / %s  %s  ETA %s", doneFiles, totalFiles,
                Units.bytes(Math.min(doneBytes, totalBytes)), Units.bytes(totalBytes), Units.rate(rate), eta);
        if (style == ProgressReporter.Style.BAR) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }
}
