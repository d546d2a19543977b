package io.chute.cli;

import io.chute.config.ConfigRefusal;
import io.chute.config.InvalidConfigurationException;
import io.quarkus.runtime.ApplicationLifecycleManager;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.SmallRyeConfig;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.List;
import java.util.Optional;

/**
 * The process's exit handler: a start refused for its configuration prints every configuration error on stderr,
 * one per line by property path, and exits with status 1; anything else goes to Quarkus's own handler.
 * <p>
 * The typed mapping of {@code chute.*} fails before any application code runs when a value does not convert,
 * and reports only those values. Here the raw configuration (Quarkus's static-init configuration, which reads
 * the same files, system properties and environment) is checked whole by {@link ConfigRefusal}, so the
 * conversion errors and every other error are listed together.
 */
public final class StartupRefusal {

    private StartupRefusal() {
    }

    /** For {@code Quarkus.run}: called with the exit status, and the failure when the start failed. */
    public static void exit(Integer status, Throwable failure) {
        Optional<List<String>> errors = configurationErrors(failure);
        if (errors.isEmpty()) {
            ApplicationLifecycleManager.getDefaultExitCodeHandler().accept(status, failure);
            return;
        }
        System.err.println(new InvalidConfigurationException(errors.get()).getMessage());
        System.err.flush();
        ApplicationLifecycleManager.getDefaultExitCodeHandler().accept(1, null);
    }

    /** The configuration errors behind a failed start; empty when it failed for another reason. */
    static Optional<List<String>> configurationErrors(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidConfigurationException invalid) {
                return Optional.of(invalid.errors());
            }
            if (t instanceof ConfigValidationException unmapped) {
                return Optional.of(recheck(unmapped));
            }
        }
        return Optional.empty();
    }

    private static List<String> recheck(ConfigValidationException unmapped) {
        try {
            List<String> all = ConfigRefusal.errors(ConfigProvider.getConfig().unwrap(SmallRyeConfig.class));
            if (!all.isEmpty()) {
                return all;
            }
        } catch (RuntimeException unavailable) {
            // no configuration to re-read: SmallRye's own list is all there is
        }
        return java.util.stream.IntStream.range(0, unmapped.getProblemCount())
                .mapToObj(i -> unmapped.getProblem(i).getMessage()).toList();
    }
}
