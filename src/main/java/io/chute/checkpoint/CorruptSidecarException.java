package io.chute.checkpoint;

import java.io.IOException;

/** A sidecar that cannot be trusted: unreadable, torn header, bad MAC, unknown version. */
public final class CorruptSidecarException extends IOException {
    public CorruptSidecarException(String message) {
        super(message);
    }
}
