package io.chute.cli;

import io.chute.config.ChuteConfig;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.config.SmallRyeConfig;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code chute}: the daemon when no command is given, otherwise one of the subcommands. Exit status: 0 on
 * success, 2 for a usage error (picocli's message and the usage on stderr), 1 (or the failure's own code)
 * for a runtime failure, reported as one line {@code chute: <what went wrong>}.
 */
@RegisterForReflection // picocli reads its annotations reflectively, also in a native image
@Command(name = "chute", mixinStandardHelpOptions = true, versionProvider = ChuteCommand.Version.class,
        description = "Watches drop folders and uploads every complete file to S3 (resumable, verified).",
        subcommands = {RunCommand.class, UploadCommand.class, StatusCommand.class, CleanupCommand.class,
                PresignCommand.class, UploadsCommand.class},
        usageHelpAutoWidth = true)
public final class ChuteCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        return new RunCommand().call();
    }

    /**
     * The command line with Chute's error handling: a {@link CliFailure} becomes its one-line message, any
     * other exception one line naming the command and the exception, both with a non-zero status.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ChuteCommand()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, commandLine, parsed) -> report(e instanceof CliFailure failure
                ? failure : new CliFailure(commandLine.getCommandName() + " failed: " + e)));
        return cl;
    }

    /** Prints the failure as one line on stderr; returns its exit status. */
    static int report(CliFailure failure) {
        System.err.println("chute: " + failure.getMessage());
        System.err.flush();
        return failure.exitCode();
    }

    /** The {@code chute.*} configuration of the running application (commands run inside Quarkus). */
    static ChuteConfig config() {
        return ConfigProvider.getConfig().unwrap(SmallRyeConfig.class).getConfigMapping(ChuteConfig.class);
    }

    /** The application version recorded by the build. */
    @RegisterForReflection // picocli reads its annotations reflectively, also in a native image
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = ConfigProvider.getConfig().getOptionalValue("quarkus.application.version", String.class)
                    .orElse("unknown");
            return new String[] {"chute " + version};
        }
    }
}
