package io.chute.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.chute.testing.CliProcess;
import io.chute.testing.DaemonProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code chute} commands of the packaged jar that need no S3 server: {@code status} against a served
 * status document (WireMock standing in for a daemon's management interface) and with no daemon at all,
 * usage errors, help and version, and the {@code deploy/bin/chute} launcher.
 */
class CliUsageIT {

    @TempDir
    Path tmp;

    /** A configuration without rules, as one-shot commands accept; no S3 server is contacted. */
    private Path config() throws IOException {
        Path config = tmp.resolve("chute.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  s3:
                    endpoint: http://127.0.0.1:1
                    path-style: true
                """.formatted(tmp.resolve("state")));
        return config;
    }

    @Test
    void status_rendersTheDaemonsStatusDocument_andPrintsItUnchangedWithJson() throws Exception {
        String document = """
                {"startedAt":"2026-11-23T00:00:00Z","now":"2026-11-23T00:10:00Z",
                 "rules":[{"name":"inbox","folder":"/data/inbox","bucket":"b","prefix":"in/","ready":true,
                   "pausedReason":null,"uploaded":3,"bytesUploaded":3000000,"failed":0,"quarantined":0}],
                 "inFlight":[{"rule":"inbox","path":"/data/inbox/big.bin","bucket":"b","key":"in/big.bin",
                   "bytesDone":50000000,"bytesTotal":200000000,"partsDone":10,"partsTotal":40,
                   "bytesPerSecond":25000000.0,"etaSeconds":6,"startedAt":"2026-11-23T00:09:58Z"}],
                 "waiting":[{"rule":"inbox","path":"/data/inbox/new.bin","state":"STABILIZING",
                   "since":"2026-11-23T00:09:59Z","detail":"quiet period 5s"}],
                 "recent":[]}""";
        WireMockServer daemon = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        daemon.start();
        try {
            daemon.stubFor(get(urlEqualTo("/q/status")).willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/json").withBody(document)));
            String url = "http://127.0.0.1:" + daemon.port();

            CliProcess text = CliProcess.run(config(), tmp.resolve("logs"), "status", "--url", url);
            CliProcess json = CliProcess.run(config(), tmp.resolve("logs"), "status", "--url", url, "--json");

            assertThat(text.exitValue()).as(text.transcript()).isZero();
            assertThat(text.stdout()).contains("Rules (1)", "/data/inbox -> s3://b/in/", "Uploading (1)",
                    " 25% 50.0 MB / 200 MB, part 10 of 40, 25.0 MB/s, ETA 6s", "Waiting (1)",
                    "STABILIZING /data/inbox/new.bin (1s ago)", "Recent (0): none");
            assertThat(json.exitValue()).as(json.transcript()).isZero();
            ObjectMapper mapper = new ObjectMapper();
            assertThat(mapper.readTree(json.stdout())).isEqualTo(mapper.readTree(document));
        } finally {
            daemon.stop();
        }
    }

    @Test
    void status_withNoDaemonRunning_failsWithAOneLineMessage() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        CliProcess cli = CliProcess.run(config(), tmp.resolve("logs"), "status", "--url", "http://127.0.0.1:" + port);

        assertThat(cli.exitValue()).as(cli.transcript()).isEqualTo(1);
        assertThat(cli.stderr().strip()).isEqualTo("chute: no Chute daemon answers at http://127.0.0.1:" + port
                + "/q/status (connection refused): is it running, and is that its management port?");
        assertThat(cli.stdout()).isEmpty();
    }

    @Test
    void usageErrors_exitWithStatus2AndPicocliMessage_helpAndVersionExit0() throws Exception {
        Path config = config();
        CliProcess missing = CliProcess.run(config, tmp.resolve("logs"), "upload", "only-a-file.bin");
        CliProcess badTarget = CliProcess.run(config, tmp.resolve("logs"), "upload", "f.bin", "bucket/key");
        CliProcess unknown = CliProcess.run(config, tmp.resolve("logs"), "frobnicate");
        CliProcess version = CliProcess.run(config, tmp.resolve("logs"), "--version");
        CliProcess help = CliProcess.run(config, tmp.resolve("logs"), "--help");

        assertThat(missing.exitValue()).as(missing.transcript()).isEqualTo(2);
        assertThat(missing.stderr()).contains("Missing required parameter: 's3://BUCKET/KEY'");
        assertThat(badTarget.exitValue()).as(badTarget.transcript()).isEqualTo(2);
        assertThat(badTarget.stderr()).contains("'bucket/key' is not of the form s3://bucket/key");
        assertThat(unknown.exitValue()).as(unknown.transcript()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("Unmatched argument at index 0: 'frobnicate'");
        assertThat(version.exitValue()).isZero();
        assertThat(version.stdout().strip()).isEqualTo("chute 0.1.0-SNAPSHOT");
        assertThat(help.exitValue()).isZero();
        assertThat(help.stdout()).contains("Usage: chute", "run", "upload", "status", "cleanup");
    }

    @Test
    void launcherScript_runsThePackagedJarWithTheGivenConfiguration() throws Exception {
        Path appHome = DaemonProcess.appJar().toAbsolutePath().getParent().getParent();
        ProcessBuilder launcher = new ProcessBuilder("sh", Path.of("deploy/bin/chute").toAbsolutePath().toString(),
                "status", "--url", "http://127.0.0.1:1").redirectErrorStream(true);
        launcher.environment().putAll(Map.of("CHUTE_HOME", appHome.toString(),
                "CHUTE_CONFIG", config().toString(),
                "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        Process p = launcher.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(p.waitFor()).as(output).isEqualTo(1);
        assertThat(output.strip()).startsWith("chute: no Chute daemon answers at http://127.0.0.1:1/q/status");
    }
}
