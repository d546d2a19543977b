package io.chute.cli;

import java.util.Locale;

/** Human-readable sizes (decimal: kB, MB, GB), rates and durations for the command line's output. */
final class Units {

    private static final String[] PREFIXES = {"kB", "MB", "GB", "TB", "PB"};

    private Units() {
    }

    static String bytes(double bytes) {
        if (bytes < 1000) {
            return String.format(Locale.ROOT, "%.0f B", bytes);
        }
        int i = -1;
        double value = bytes;
        while (value >= 1000 && i < PREFIXES.length - 1) {
            value /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, value < 100 ? "%.1f %s" : "%.0f %s", value, PREFIXES[i]);
    }

    static String rate(double bytesPerSecond) {
        return String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }

    /** {@code 45s}, {@code 3m05s}, {@code 2h03m}. */
    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }

    static int percent(long done, long total) {
        return total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
    }
}
