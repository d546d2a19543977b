package io.chute.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class CliModeTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "run"})
    void noCommandOrRun_isTheDaemon(String args) {
        assertThat(CliMode.of(split(args)).daemon()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"upload a.bin s3://bucket/key", "status", "status --json --url http://127.0.0.1:1",
            "cleanup --apply --older-than 0s", "--help", "--version", "-h", "run --help", "upload --help",
            "no-such-command", "upload", "upload a.bin not-an-s3-uri", "run --no-such-option"})
    void everythingElse_isOneShot_includingUsageErrorsAndHelp(String args) {
        assertThat(CliMode.of(split(args)).daemon()).isFalse();
    }

    @Test
    void oneShot_switchesOffBothServersTheSchedulerAndThePipeline_andLogsToStderr() {
        Properties system = new Properties();
        CliMode.of("status").apply(system);

        assertThat(system).containsEntry("quarkus.http.host-enabled", "false")
                .containsEntry("quarkus.management.host-enabled", "false")
                .containsEntry("quarkus.scheduler.enabled", "false")
                .containsEntry("chute.daemon", "false")
                .containsEntry("quarkus.log.console.stderr", "true");
    }

    @Test
    void oneShot_overridesAnOperatorsPortSettings_butKeepsTheirLogSettings() {
        Properties system = new Properties();
        system.setProperty("quarkus.management.host-enabled", "true");
        system.setProperty("quarkus.log.category.\"io.quarkus\".level", "DEBUG");

        CliMode.of("cleanup").apply(system);

        assertThat(system).containsEntry("quarkus.management.host-enabled", "false")
                .containsEntry("quarkus.log.category.\"io.quarkus\".level", "DEBUG");
    }

    @Test
    void daemon_setsNoProperty() {
        Properties system = new Properties();
        CliMode.of("run").apply(system);

        assertThat(system).isEmpty();
    }

    private static String[] split(String args) {
        return args.isEmpty() ? new String[0] : args.split(" ");
    }
}
