package io.chute.upload;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * The one retry delay policy: exponential from {@code base}, capped at {@code max}, with full jitter (a uniform
 * draw between zero and the capped exponential), so that files failing together do not retry together and
 * hammer a recovering store in lock-step. Used for per-file retries, rule pauses and the one-shot upload's retries.
 */
public record Backoff(Duration base, Duration max, LongUnaryOperator draw) {

    public Backoff {
        if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("need 0 < base <= max, got base " + base + ", max " + max);
        }
    }

    /** Full jitter from a thread-local random source. */
    public Backoff(Duration base, Duration max) {
        this(base, max, bound -> ThreadLocalRandom.current().nextLong(bound + 1));
    }

    /** The capped exponential before jitter: {@code min(max, base × 2^(attempt-1))}; attempt counts from 1. */
    public Duration ceiling(int attempt) {
        long capMillis = max.toMillis();
        long millis = base.toMillis();
        for (int doubling = 1; doubling < attempt && millis < capMillis; doubling++) {
            millis <<= 1;
        }
        return Duration.ofMillis(Math.min(millis, capMillis));
    }

    /** The delay before retry number {@code attempt} (counting from 1): uniform in [0, ceiling(attempt)]. */
    public Duration delay(int attempt) {
        long ceiling = ceiling(attempt).toMillis();
        return Duration.ofMillis(draw.applyAsLong(ceiling));
    }
}
