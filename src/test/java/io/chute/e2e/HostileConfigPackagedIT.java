package io.chute.e2e;

import io.chute.testing.CliProcess;
import io.chute.testing.DaemonProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged jar as an operator starts it with a hostile configuration: every error listed on stderr at once
 * (values that do not convert next to the rest), exit status 1; and what it exposes by default: the management
 * interface on loopback only, {@code /q/status} off on request.
 */
@Tag("hostile")
class HostileConfigPackagedIT {

    @TempDir
    Path tmp;

    @Test
    void invalidConfiguration_refusesToStart_withStatus1_listingConversionAndSemanticErrorsTogetherOnStderr()
            throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path stateLink = Files.createSymbolicLink(tmp.resolve("state"), Files.createDirectories(inbox.resolve("st")));
        Path config = tmp.resolve("bad.yaml");
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  s3:
                    endpoint: http://127.0.0.1:9000/foo
                  upload:
                    workers: zero
                    retry-backoff: soon
                  rules:
                    - name: inbox
                      path: %s
                      bucket: Not_A_Bucket
                      prefix: ../up/
                      quiet-period: 0
                      after-upload: shred
                      recursive: maybe
                      quarantine-dir: %s
                """.formatted(stateLink, inbox, inbox));

        CliProcess chute = CliProcess.start(config, tmp.resolve("logs"), List.of("-Dquarkus.management.port=0"));

        assertThat(chute.waitForExit(Duration.ofSeconds(90))).as(chute.transcript()).isEqualTo(1);
        assertThat(chute.stderr()).as(chute.transcript()).contains("Invalid configuration (10 errors)",
                "chute.rules[0].after-upload: 'shred' is not one of [keep, delete, move]",
                "chute.rules[0].recursive: 'maybe' is not a boolean",
                "chute.upload.workers: 'zero' is not a whole number",
                "chute.upload.retry-backoff: 'soon' is not a duration",
                "chute.s3.endpoint: 'http://127.0.0.1:9000/foo' has a path",
                "chute.rules[0].bucket:", "chute.rules[0].prefix:", "chute.rules[0].quiet-period:",
                "chute.state-dir: '" + stateLink + "' (really '" + inbox.toRealPath().resolve("st") + "')",
                "chute.rules[0].quarantine-dir:");
        assertThat(chute.stderr()).doesNotContain("SRCFG00039", "\tat ");
    }

    @Test
    void managementInterface_listensOnLoopbackOnly_byDefault_andStatusCanBeTurnedOff() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path config = tmp.resolve("chute.yaml");
        int port = freePort();
        Files.writeString(config, """
                chute:
                  state-dir: %s
                  status:
                    enabled: false
                  s3:
                    endpoint: http://127.0.0.1:9
                    path-style: true
                    access-key-id: k
                    secret-access-key: s
                    probe: false
                  rules:
                    - {name: inbox, path: "%s", bucket: some-bucket}
                quarkus:
                  management:
                    port: %d
                """.formatted(tmp.resolve("state"), inbox, port));

        CliProcess chute = CliProcess.start(config, tmp.resolve("logs"), List.of());
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> listening(port).isPresent() || !chute.isAlive());
            assertThat(listening(port)).as(chute.transcript()).contains("127.0.0.1");
            assertThat(address("00000000")).as("how a socket on every interface would show").isEqualTo("0.0.0.0");
            assertThat(get(port, "/q/health/live")).isEqualTo(200);
            assertThat(get(port, "/q/status")).as("chute.status.enabled: false").isEqualTo(404);
        } finally {
            chute.signal("KILL");
        }
    }

    /**
     * The local address the listening TCP socket on {@code port} is bound to, from /proc/net/tcp and tcp6 (the
     * kernel's own answer; nothing is sent to a non-loopback address to find out).
     */
    private static Optional<String> listening(int port) throws IOException {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) { // 0A: LISTEN
                    return Optional.of(address(f[1].substring(0, f[1].indexOf(':'))));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * /proc/net/tcp writes an IPv4 address as one little-endian hex word; tcp6 writes four, where an IPv4-mapped
     * address (::ffff:a.b.c.d, how a Java socket bound to an IPv4 address may show) ends in the IPv4 word.
     */
    static String address(String hex) {
        if (hex.length() == 32 && hex.startsWith("0000000000000000FFFF0000")) {
            return address(hex.substring(24));
        }
        if (hex.length() != 8) {
            return hex.matches("0+") ? "::" : hex.equals("00000000000000000000000001000000") ? "::1" : hex;
        }
        StringBuilder ip = new StringBuilder();
        for (int i = 6; i >= 0; i -= 2) {
            ip.append(Integer.parseInt(hex.substring(i, i + 2), 16)).append(i > 0 ? "." : "");
        }
        return ip.toString();
    }

    private static int get(int port, String path) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build();
        return client.send(request, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
