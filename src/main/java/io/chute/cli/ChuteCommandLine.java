package io.chute.cli;

import io.quarkus.runtime.QuarkusApplication;

/** Runs the command line inside the started application; its exit status is the process's. */
public final class ChuteCommandLine implements QuarkusApplication {

    @Override
    public int run(String... args) {
        return ChuteCommand.commandLine().execute(args);
    }
}
