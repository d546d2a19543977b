package io.chute.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.RegisterForReflection;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code chute run}: the daemon. By the time it runs, the pipeline has started (it observes Quarkus'
 * startup event) and the management interface is open; it waits for SIGTERM or SIGINT, after which the
 * pipeline stops intake and lets in-flight parts finish within {@code chute.shutdown.grace}.
 */
@RegisterForReflection // picocli reads its annotations reflectively, also in a native image
@Command(name = RunCommand.NAME, mixinStandardHelpOptions = true,
        description = "Runs the daemon (the default): watches the configured drop folders and uploads their files.")
final class RunCommand implements Callable<Integer> {

    static final String NAME = "run";

    @Override
    public Integer call() {
        Quarkus.waitForExit();
        return 0;
    }
}
