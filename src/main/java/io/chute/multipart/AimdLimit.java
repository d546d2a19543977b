package io.chute.multipart;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The decisions of one adaptive concurrency limit, without the waiting ({@link AdaptiveGate} does that). The
 * limit starts at {@code initial} and stays within [1, {@code max}]; the ceiling {@code max} comes from what the
 * process can afford (connections, bytes in flight), not from a guess of what the endpoint takes.
 * <ul>
 *   <li>Overload (the endpoint answered 503 SlowDown and the like): the limit halves, at most once per cool-down,
 *       so one burst of errors, including the SDK's own retries of the same requests, is one decrease.</li>
 *   <li>Successful sends are measured in windows of at least {@code limit} completions (4 at least) and
 *       {@code minWindow}: about one round of sends at the current limit. A window whose per-byte latency
 *       exceeds {@code latencyFactor} times the best of the recent windows at this limit or a higher one counts
 *       as overload too: more senders only queue (per-byte latency naturally grows with concurrency, so windows
 *       at lower limits are no baseline). Only where sends are of similar size (parts): whole files differ in
 *       size by orders of magnitude, and a window of small ones would look slow.</li>
 *   <li>A window in which nobody waited for a permit because of the limit says nothing about a higher limit
 *       (the senders, not the limit, set the pace): it never grows the limit.</li>
 *   <li>Otherwise, until the first decrease or the first window without a throughput gain ("slow start", as in
 *       TCP), the limit doubles per window while throughput (bytes per second over the window) grows by
 *       {@code margin}: where each send mostly waits out round trips, concurrency is what the link lacks, and
 *       +1 per window would take tens of seconds to reach it. After that the limit grows by one when it is below
 *       the limit of the recent window with the best throughput (recovering after a decrease) or when
 *       throughput improved by {@code margin} over the previous window; else it holds, and after
 *       {@code probeAfter} windows in a row of holding it tries one more (conditions change).</li>
 * </ul>
 * Not thread-safe: its gate calls it under its lock.
 */
final class AimdLimit {

    /** Tunables; {@link #of(int, int)} gives the ones Chute uses. */
    record Settings(int initial, int max, Duration coolDown, Duration minWindow, double margin, double latencyFactor,
                    int probeAfter, int history) {

        Settings {
            if (max < 1) {
                throw new IllegalArgumentException("max " + max);
            }
            initial = Math.max(1, Math.min(initial, max));
        }

        /** Chute's tunables for a limit that starts at {@code initial} and never exceeds {@code max}. */
        static Settings of(int initial, int max) {
            return new Settings(initial, max, Duration.ofSeconds(2), Duration.ofMillis(200), 0.05, 2.0, 10, 10);
        }

        /** These settings with the latency rule off (an infinite factor never trips). */
        Settings ignoringLatency() {
            return new Settings(initial, max, coolDown, minWindow, margin, Double.POSITIVE_INFINITY, probeAfter,
                    history);
        }
    }

    /** One closed measurement window. */
    private record Window(int limit, double bytesPerSecond, double nanosPerByte) {
    }

    private final Settings settings;
    private final Clock clock;
    private final Deque<Window> recent = new ArrayDeque<>();
    private int limit;
    private boolean slowStart = true;
    private long lastDecreaseMillis = Long.MIN_VALUE;
    private int holds;
    private boolean limited;
    private long windowStartMillis = -1;
    private int samples;
    private long bytes;
    private long nanos;

    AimdLimit(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.limit = settings.initial();
    }

    int limit() {
        return limit;
    }

    /** A sender had to wait because the limit was reached: demand exceeds the limit in the current window. */
    void limitReached() {
        limited = true;
    }

    /** The endpoint signalled overload; returns whether the limit went down (not within a cool-down). */
    boolean overloaded() {
        long now = clock.millis();
        if (lastDecreaseMillis != Long.MIN_VALUE && now - lastDecreaseMillis < settings.coolDown().toMillis()) {
            return false;
        }
        limit = Math.max(1, limit / 2);
        lastDecreaseMillis = now;
        slowStart = false;
        holds = 0;
        resetWindow();
        return true;
    }

    /** A send of {@code sizeInBytes} succeeded after {@code took}; may close a window and move the limit. */
    void succeeded(long sizeInBytes, Duration took) {
        long now = clock.millis();
        if (windowStartMillis < 0) {
            windowStartMillis = now - took.toMillis(); // the window began when its first send did
        }
        samples++;
        bytes += Math.max(1, sizeInBytes);
        nanos += took.toNanos();
        long elapsedMillis = now - windowStartMillis;
        if (samples < Math.max(4, limit) || elapsedMillis < settings.minWindow().toMillis()) {
            return;
        }
        Window window = new Window(limit, bytes * 1000.0 / Math.max(1, elapsedMillis), (double) nanos / bytes);
        boolean demandExceededLimit = limited;
        resetWindow();
        decide(window, demandExceededLimit);
    }

    private void decide(Window window, boolean demandExceededLimit) {
        if (latencyRose(window)) {
            overloaded();
            return;
        }
        Window previous = recent.peekLast();
        remember(window);
        if (limit >= settings.max() || !demandExceededLimit) {
            holds = 0;
            return;
        }
        boolean faster = previous == null
                || window.bytesPerSecond() > previous.bytesPerSecond() * (1 + settings.margin());
        if (slowStart) {
            if (faster) {
                limit = (int) Math.min(settings.max(), 2L * limit);
            } else {
                slowStart = false;
            }
            return;
        }
        Window peak = recent.stream().reduce((a, b) -> b.bytesPerSecond() > a.bytesPerSecond() ? b : a).orElseThrow();
        if (limit < peak.limit() || faster || ++holds >= settings.probeAfter()) {
            limit++;
            holds = 0;
        }
    }

    private boolean latencyRose(Window window) {
        return recent.stream().filter(w -> w.limit() >= window.limit()).mapToDouble(Window::nanosPerByte).min()
                .stream().anyMatch(best -> window.nanosPerByte() > settings.latencyFactor() * best);
    }

    private void remember(Window window) {
        recent.addLast(window);
        while (recent.size() > settings.history()) {
            recent.removeFirst();
        }
    }

    private void resetWindow() {
        windowStartMillis = -1;
        samples = 0;
        bytes = 0;
        nanos = 0;
        limited = false;
    }
}
