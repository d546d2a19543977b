package io.chute.multipart;

import java.io.IOException;

/** The source file changed while it was being uploaded; the upload must not complete with mixed content. */
public final class SourceChangedException extends IOException {
    public SourceChangedException(String message) {
        super(message);
    }
}
