package io.chute.cli;

/** A command failed for a reason the operator can act on; the message is printed as one line, no stack trace. */
public final class CliFailure extends RuntimeException {

    private final int exitCode;

    public CliFailure(String message) {
        this(message, 1);
    }

    public CliFailure(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
