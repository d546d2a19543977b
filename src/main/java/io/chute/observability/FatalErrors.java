package io.chute.observability;

import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Latches the first fatal error (a Chute thread that died of an uncaught throwable). Once latched,
 * readiness stays DOWN until the process restarts: a half-dead daemon must not look ready.
 */
public final class FatalErrors {

    private static final Logger LOG = Logger.getLogger(FatalErrors.class);

    private final AtomicReference<String> first = new AtomicReference<>();

    public void latch(String what) {
        if (first.compareAndSet(null, what)) {
            LOG.errorf("fatal: %s; readiness is DOWN until Chute restarts", what);
        }
    }

    public Optional<String> latched() {
        return Optional.ofNullable(first.get());
    }

    /** A handler for Chute's own threads: latches and logs whatever killed the thread. */
    public Thread.UncaughtExceptionHandler handler() {
        return (thread, error) -> {
            LOG.error("thread " + thread.getName() + " died", error);
            latch("thread " + thread.getName() + " died: " + error);
        };
    }
}
