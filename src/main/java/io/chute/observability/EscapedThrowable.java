package io.chute.observability;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Stands in for a logged exception whose message (or a cause's) holds control characters: prints as the
 * original would ({@code class: message}, the same stack frames, causes and suppressed exceptions), with each
 * message passed through {@link UntrustedText#escape}, so a stack trace cannot carry a forged log line either.
 */
final class EscapedThrowable extends Throwable {

    private final String shown;

    private EscapedThrowable(String shown, Throwable cause, StackTraceElement[] frames) {
        super(null, cause, true, true);
        this.shown = shown;
        setStackTrace(frames);
    }

    static Throwable of(Throwable original) {
        return of(original, new IdentityHashMap<>());
    }

    /** Causes first (the constructor takes its cause); a cycle in the chain ends it. */
    private static EscapedThrowable of(Throwable original, Map<Throwable, Boolean> inProgress) {
        inProgress.put(original, Boolean.TRUE);
        Throwable cause = original.getCause();
        EscapedThrowable escapedCause = cause == null || inProgress.containsKey(cause) ? null : of(cause, inProgress);
        EscapedThrowable escaped = new EscapedThrowable(UntrustedText.escape(original.toString()), escapedCause,
                original.getStackTrace());
        for (Throwable s : original.getSuppressed()) {
            if (!inProgress.containsKey(s)) {
                escaped.addSuppressed(of(s, inProgress));
            }
        }
        return escaped;
    }

    /** Whether any message in the chain (causes, suppressed) needs escaping. */
    static boolean needed(Throwable t) {
        return needed(t, new IdentityHashMap<>());
    }

    private static boolean needed(Throwable t, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return false;
        }
        if (UntrustedText.needsEscaping(t.toString()) || needed(t.getCause(), seen)) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (needed(s, seen)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return shown;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
