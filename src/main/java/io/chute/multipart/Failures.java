package io.chute.multipart;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Unwraps executor wrappers in one place so callers see the original failure. */
public final class Failures {

    private Failures() {
    }

    /** The failure inside any {@link ExecutionException} or {@link CompletionException} wrappers. */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Returns an IOException to throw, or throws the unchecked original directly. */
    static IOException rethrow(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new IOException(t);
    }
}
