package io.chute.config;

import java.util.List;

/** Startup refusal listing every configuration error, each starting with its property path. */
public final class InvalidConfigurationException extends RuntimeException {

    private final List<String> errors;

    public InvalidConfigurationException(List<String> errors) {
        super("Invalid configuration (" + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + "):\n  "
                + String.join("\n  ", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
