package io.chute.daemon;

import io.chute.observability.FatalErrors;
import org.jboss.logging.Logger;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every thread the daemon creates is named and carries the fatal-error handler, so a thread that dies of an
 * uncaught throwable latches readiness DOWN instead of vanishing silently. Scheduled tasks are guarded the same
 * way: an executor keeps a task's throwable in its future, where nobody would see it.
 */
final class ChuteThreads {

    private static final Logger LOG = Logger.getLogger(ChuteThreads.class);

    private ChuteThreads() {
    }

    /** Daemon threads {@code prefix0}, {@code prefix1}, ... whose death latches {@code fatal}. */
    static ThreadFactory named(String prefix, FatalErrors fatal) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.getAndIncrement());
            t.setDaemon(true);
            t.setUncaughtExceptionHandler(fatal.handler());
            return t;
        };
    }

    /**
     * {@code task} for a scheduler: a {@link RuntimeException} is logged and the schedule goes on; an
     * {@link Error} latches {@code fatal} (readiness DOWN) and ends the schedule.
     */
    static Runnable guarded(String what, Runnable task, FatalErrors fatal) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "%s failed; it runs again at its next turn", what);
            } catch (Error e) {
                fatal.latch(what + " died: " + e);
                throw e;
            }
        };
    }
}
