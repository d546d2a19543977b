package io.chute.cli;

import io.chute.multipart.TransferListener.Plan;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressReporterTest {

    static final long MB = 1_000_000;
    static final Path FILE = Path.of("big.bin");

    final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    ProgressReporter reporter(ProgressReporter.Style style) {
        return new ProgressReporter(new PrintStream(buffer, true, StandardCharsets.UTF_8), style, nanos::get);
    }

    String output() {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    List<String> lines() {
        return Arrays.asList(output().split("\n"));
    }

    void advanceMillis(long millis) {
        nanos.addAndGet(millis * 1_000_000);
    }

    @Test
    void lines_arePrintedAtEveryFivePercentStep_notForEveryPart() {
        ProgressReporter progress = reporter(ProgressReporter.Style.LINES);
        progress.planned(new Plan(FILE, "b", "k", "id", 100 * MB, 100, 0, 0));
        for (int i = 0; i < 10; i++) {
            advanceMillis(100);
            progress.bytesSent(FILE, MB);
        }

        assertThat(lines()).containsExactly(
                "upload:   0% 0 B / 100 MB  0.0 MB/s  ETA ?",
                "upload:   5% 5.0 MB / 100 MB  10.0 MB/s  ETA 10s",
                "upload:  10% 10.0 MB / 100 MB  10.0 MB/s  ETA 9s");
    }

    @Test
    void lines_arePrintedEveryTwoSeconds_whenProgressIsSlow() {
        ProgressReporter progress = reporter(ProgressReporter.Style.LINES);
        progress.planned(new Plan(FILE, "b", "k", "id", 1000 * MB, 100, 0, 0));
        advanceMillis(1000);
        progress.bytesSent(FILE, 10 * MB);
        progress.tick();
        advanceMillis(1000);
        progress.tick();

        assertThat(lines()).hasSize(2);
        assertThat(lines().get(1)).isEqualTo("upload:   1% 10.0 MB / 1.0 GB  5.0 MB/s  ETA 3m18s");
    }

    @Test
    void finish_printsTheCompleteLineOnce() {
        ProgressReporter progress = reporter(ProgressReporter.Style.LINES);
        progress.planned(new Plan(FILE, "b", "k", null, 10 * MB, 1, 0, 0));
        advanceMillis(500);
        progress.bytesSent(FILE, 10 * MB);
        advanceMillis(3000); // Complete and HeadObject
        progress.tick();
        progress.finish();

        assertThat(lines()).hasSize(2).last().isEqualTo("upload: 100% 10.0 MB / 10.0 MB  20.0 MB/s  ETA 0s");
        assertThat(progress.sentThisRun()).isEqualTo(10 * MB);
    }

    @Test
    void bar_redrawsOneLineWithCarriageReturns_andEndsWithANewline() {
        ProgressReporter progress = reporter(ProgressReporter.Style.BAR);
        progress.planned(new Plan(FILE, "b", "k", "id", 40 * MB, 8, 0, 0));
        advanceMillis(1000);
        progress.bytesSent(FILE, 10 * MB);
        String beforeFinish = output();
        progress.bytesSent(FILE, 30 * MB);
        advanceMillis(5000);
        progress.finish();

        assertThat(beforeFinish).doesNotContain("\n").startsWith("\r[------------------------]   0%")
                .contains("\r[######------------------]  25% 10.0 MB / 40.0 MB  10.0 MB/s  ETA 3s");
        assertThat(output()).endsWith("\r[########################] 100% 40.0 MB / 40.0 MB  40.0 MB/s  ETA 0s\n")
                .containsOnlyOnce("\n");
    }

    @Test
    void resumedUpload_countsStoredPartsInThePercentage_butNotInTheSpeed() {
        ProgressReporter progress = reporter(ProgressReporter.Style.LINES);
        progress.planned(new Plan(FILE, "b", "k", "upload-1", 60 * MB, 12, 3, 15 * MB));
        advanceMillis(1000);
        progress.bytesSent(FILE, 5 * MB);

        assertThat(lines()).containsExactly(
                "resuming upload upload-1: 3 of 12 parts (15.0 MB) already in S3",
                "upload:  25% 15.0 MB / 60.0 MB  0.0 MB/s  ETA ?",
                "upload:  33% 20.0 MB / 60.0 MB  5.0 MB/s  ETA 8s");
        assertThat(progress.sentThisRun()).isEqualTo(5 * MB);
    }

    @Test
    void none_printsNothing() {
        ProgressReporter progress = reporter(ProgressReporter.Style.NONE);
        progress.planned(new Plan(FILE, "b", "k", "id", 60 * MB, 12, 3, 15 * MB));
        progress.bytesSent(FILE, 5 * MB);
        progress.finish();

        assertThat(output()).isEmpty();
    }
}
