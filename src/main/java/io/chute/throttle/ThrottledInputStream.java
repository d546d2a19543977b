package io.chute.throttle;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body whose every read returns only once the {@link BandwidthLimiter} allows its bytes to be sent.
 * Reads are small ({@link BandwidthLimiter#readSizeInBytes}, at most the smallest burst of the bucket), so one
 * read never waits for more than the bucket holds and parallel bodies take turns in small steps. Not thread-safe
 * (one per body).
 */
final class ThrottledInputStream extends FilterInputStream {

    private final BandwidthLimiter limiter;

    ThrottledInputStream(InputStream in, BandwidthLimiter limiter) {
        super(in);
        this.limiter = limiter;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            limiter.acquire(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, Math.min(len, limiter.readSizeInBytes()));
        if (n > 0) {
            limiter.acquire(n);
        }
        return n;
    }
}
