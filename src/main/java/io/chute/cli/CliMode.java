package io.chute.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Whether a command line runs the daemon or a one-shot command, decided from the arguments alone before
 * Quarkus starts. The daemon is {@code chute} or {@code chute run}; everything else (upload, status,
 * cleanup, help, version, and any command line picocli rejects) is one-shot.
 * <p>
 * One-shot mode is a set of runtime properties: {@code quarkus.http.host-enabled} and
 * {@code quarkus.management.host-enabled} false, so Quarkus creates no server socket at all (the management
 * interface itself is a build-time choice and stays compiled in); {@code quarkus.scheduler.enabled} false, so
 * no scheduled job fires; {@code chute.daemon} false, so the pipeline (watcher, workers, janitor) is never
 * built. Logs go to stderr, leaving stdout to the command's output.
 */
public record CliMode(boolean daemon) {

    /** Forced in one-shot mode whatever the configuration says: the promise is no port, no scheduler. */
    static final Map<String, String> ONE_SHOT = Map.of(
            "chute.daemon", "false",
            "quarkus.http.host-enabled", "false",
            "quarkus.management.host-enabled", "false",
            "quarkus.scheduler.enabled", "false");

    /** One-shot defaults an operator may override with {@code -D}. */
    static final Map<String, String> ONE_SHOT_DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("quarkus.log.console.stderr", "true");
        d.put("quarkus.log.category.\"io.quarkus\".level", "WARN");
        // No metrics endpoint in one-shot mode; Micrometer's startup notices (a Netty gauge registered twice)
        // would only clutter the command's stderr.
        d.put("quarkus.log.category.\"io.micrometer\".level", "ERROR");
        return d;
    }

    public static CliMode of(String... args) {
        ParseResult parsed;
        try {
            parsed = ChuteCommand.commandLine().parseArgs(args);
        } catch (CommandLine.ParameterException usageError) {
            return new CliMode(false); // picocli reports it once Quarkus runs, without opening anything
        }
        if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
            return new CliMode(false);
        }
        ParseResult sub = parsed.subcommand();
        boolean daemon = sub == null
                || (RunCommand.NAME.equals(sub.commandSpec().name()) && !sub.isUsageHelpRequested());
        return new CliMode(daemon);
    }

    /** Sets this mode's properties (nothing for the daemon). */
    public void apply(Properties system) {
        if (daemon) {
            return;
        }
        system.putAll(ONE_SHOT);
        ONE_SHOT_DEFAULTS.forEach(system::putIfAbsent);
    }
}
