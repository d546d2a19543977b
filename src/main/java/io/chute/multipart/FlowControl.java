package io.chute.multipart;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much one S3 connection sends at once: an adaptive gate for parts in flight, one for files in flight (the
 * uploader pool takes it around each attempt), and the process-wide {@link ByteBudget}. The connection's client
 * reports the HTTP status of every attempt, the SDK's own retries included ({@link #responded}); an overload
 * status lowers both gates. Any thread may call any method.
 */
public final class FlowControl {

    private final AdaptiveGate parts;
    private final AdaptiveGate files;
    private final ByteBudget bytes;
    private final AtomicLong throttled = new AtomicLong();

    public FlowControl(AdaptiveGate parts, AdaptiveGate files, ByteBudget bytes) {
        this.parts = parts.named("parts");
        this.files = files.named("files");
        this.bytes = bytes;
    }

    /** No limits beyond the callers' own threads (tests of one class, tools). */
    public static FlowControl unlimited() {
        Clock clock = Clock.systemUTC();
        return new FlowControl(AdaptiveGate.of(Integer.MAX_VALUE, false, clock),
                AdaptiveGate.of(Integer.MAX_VALUE, false, clock), ByteBudget.unlimited());
    }

    /**
     * Whether an HTTP status says the endpoint is overloaded: 503 (S3's SlowDown, or ServiceUnavailable), 429
     * (clones that throttle that way) and 500 InternalError, which S3 also answers under load.
     */
    static boolean isOverload(int status) {
        return status == 503 || status == 429 || status == 500;
    }

    /** Whether an HTTP status is a throttling answer (503 SlowDown, 429). */
    static boolean isThrottle(int status) {
        return status == 503 || status == 429;
    }

    /** The status of one HTTP attempt of this connection's client. */
    public void responded(int status) {
        if (isThrottle(status)) {
            throttled.incrementAndGet();
        }
        if (isOverload(status)) {
            parts.overloaded();
            files.overloaded();
        }
    }

    /** Waits for a part permit and then the part's bytes; close the permit after the send. */
    public Permit sendPart(long sizeInBytes) throws InterruptedException {
        parts.acquire();
        try {
            return new Permit(parts, bytes.acquire(sizeInBytes), sizeInBytes);
        } catch (InterruptedException e) {
            parts.release();
            throw e;
        }
    }

    /** Waits for the bytes of a PutObject body (its file already holds a files permit). */
    public Permit sendObject(long sizeInBytes) throws InterruptedException {
        return new Permit(null, bytes.acquire(sizeInBytes), sizeInBytes);
    }

    public AdaptiveGate parts() {
        return parts;
    }

    public AdaptiveGate files() {
        return files;
    }

    public ByteBudget bytes() {
        return bytes;
    }

    /** Throttling answers (503 SlowDown, 429) seen so far, counting every attempt. */
    public long throttleResponses() {
        return throttled.get();
    }

    /** What one send holds; {@link #sent} records its success, {@link #close} gives everything back. */
    public final class Permit implements AutoCloseable {
        private final AdaptiveGate gate;
        private final long heldBytes;
        private final long sizeInBytes;
        private final long startNanos = System.nanoTime();

        private Permit(AdaptiveGate gate, long heldBytes, long sizeInBytes) {
            this.gate = gate;
            this.heldBytes = heldBytes;
            this.sizeInBytes = sizeInBytes;
        }

        /** The send succeeded: a throughput and latency sample for the gate. */
        public void sent() {
            if (gate != null) {
                gate.succeeded(sizeInBytes, Duration.ofNanos(System.nanoTime() - startNanos));
            }
        }

        @Override
        public void close() {
            bytes.release(heldBytes);
            if (gate != null) {
                gate.release();
            }
        }
    }
}
