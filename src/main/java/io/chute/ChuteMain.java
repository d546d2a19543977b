package io.chute;

import io.chute.cli.ChuteCommandLine;
import io.chute.cli.CliMode;
import io.chute.cli.StartupRefusal;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The process entry point, for the daemon and the one-shot commands alike. Quarkus opens its HTTP servers
 * and starts scheduled jobs before any application code sees the arguments, so the mode is decided here,
 * before {@link Quarkus#run}: a one-shot command switches the servers, the scheduler and the pipeline off
 * through system properties (see {@link CliMode}). picocli then runs the command inside Quarkus. A start refused
 * for its configuration lists every error on stderr and exits with status 1 ({@link StartupRefusal}).
 */
@QuarkusMain
public final class ChuteMain {

    private ChuteMain() {
    }

    public static void main(String... args) {
        CliMode.of(args).apply(System.getProperties());
        Quarkus.run(ChuteCommandLine.class, StartupRefusal::exit, args);
    }
}
