package io.chute.multipart;

import java.io.IOException;

/** HeadObject did not confirm the expected size and checksum; the source must not be touched. */
public final class VerificationFailedException extends IOException {
    public VerificationFailedException(String message) {
        super(message);
    }
}
