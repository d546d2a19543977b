package io.chute.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.chute.testing.S3ServerProcess.Kind;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Plain JUnit 5 (no Quarkus) checks of {@link S3ServerProcess}: each server kind stores and returns bytes
 * unchanged through {@link S3Server#newClient()}, is reachable on loopback only, and S3Proxy rejects a wrong SigV4
 * secret; {@link S3ServerProcess#close()} stops the process. The checks of a kind run against the JVM's shared
 * server of that kind ({@link SharedS3Servers}, which {@link S3ServerProcess#start} started with the same
 * settings), so they cost no server start of their own; only the close check starts (and stops) one.
 */
class S3ServerProcessTest {

    private static S3Server server(Kind kind) {
        return SharedS3Servers.get(kind);
    }

    private static int port(S3Server s3) {
        return s3.endpoint().getPort();
    }

    private static long pid(S3Server s3) {
        assertThat(s3.pids()).as("pids of %s", s3).hasSize(1);
        return s3.pids().get(0);
    }

    @Test
    void close_stopsTheServerProcess() {
        S3ServerProcess started = S3ServerProcess.start(Kind.S3PROXY); // the lighter of the two; close() is generic
        System.out.printf("started %s in %d ms, log %s%n", started, started.startupTime().toMillis(), started.logFile());
        assertThat(ProcessHandle.of(started.pid()).map(ProcessHandle::isAlive)).isEqualTo(java.util.Optional.of(true));
        started.close();
        assertThat(ProcessHandle.of(started.pid()).map(ProcessHandle::isAlive)).as("%s stopped", started)
                .isNotEqualTo(java.util.Optional.of(true));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void putThenGetReturnsIdenticalBytes(Kind kind) {
        S3Server s3 = server(kind);
        String bucket = SharedS3Servers.freshBucket(s3, "roundtrip-" + kind.name().toLowerCase(Locale.ROOT));
        byte[] data = new byte[(1 << 20) + 4099]; // not a multiple of any buffer size
        new Random(42).nextBytes(data);

        try (S3Client client = s3.newClient()) {
            client.putObject(b -> b.bucket(bucket).key("dir/sub dir/object.bin"), RequestBody.fromBytes(data));
            byte[] read = client.getObjectAsBytes(b -> b.bucket(bucket).key("dir/sub dir/object.bin")).asByteArray();
            assertThat(read).isEqualTo(data);
            assertThat(client.listObjectsV2(b -> b.bucket(bucket)).contents())
                    .singleElement().satisfies(o -> assertThat(o.size()).isEqualTo(data.length));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void refusesConnectionsOnNonLoopbackAddresses(Kind kind) throws IOException {
        S3Server s3 = server(kind);
        try (Socket ok = new Socket()) { // sanity: the port is really listening on loopback
            ok.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port(s3)), 2000);
        }
        List<InetAddress> external = nonLoopbackLocalAddresses();
        Assumptions.assumeTrue(!external.isEmpty(), "this machine has no non-loopback address to probe");
        for (InetAddress address : external) {
            // An address of this machine's own interfaces: the kernel answers locally, nothing leaves the host.
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(address, port(s3)), 2000);
                }
            }).as("%s must not accept connections on %s", s3, address).isInstanceOf(ConnectException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyListeningSocketOfTheProcessIsLoopback(Kind kind) throws IOException {
        S3Server s3 = server(kind);
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/" + pid(s3) + "/fd")), "needs Linux /proc");
        List<InetAddress> listening = listeningAddresses(pid(s3));
        // covers S3Mock's second (main, random-port) connector too, which the port probe above does not
        assertThat(listening).as("listening sockets of %s", s3).isNotEmpty().allMatch(InetAddress::isLoopbackAddress);
    }

    @Test
    void s3proxyRejectsAWrongSecretKey() {
        S3Server s3 = server(Kind.S3PROXY);
        String bucket = SharedS3Servers.freshBucket(s3, "auth-check");
        try (S3Client wrong = s3.newClient(s3.accessKey(), s3.secretKey() + "-wrong");
             S3Client right = s3.newClient()) {
            assertThatThrownBy(() -> wrong.listObjectsV2(b -> b.bucket(bucket)))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
            assertThatThrownBy(() -> wrong.putObject(b -> b.bucket(bucket).key("k"), RequestBody.fromString("x")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
            assertThat(right.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
        }
    }

    /** Addresses of this machine's up, non-loopback interfaces (IPv6 link-local skipped: needs a scope). */
    private static List<InetAddress> nonLoopbackLocalAddresses() throws SocketException {
        List<InetAddress> result = new ArrayList<>();
        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            nic.inetAddresses()
                    .filter(a -> !a.isLoopbackAddress() && !(a instanceof Inet6Address && a.isLinkLocalAddress()))
                    .forEach(result::add);
        }
        return result;
    }

    /** Local addresses of the TCP sockets in LISTEN state owned by {@code pid}, from /proc/net/tcp{,6}. */
    static List<InetAddress> listeningAddresses(long pid) throws IOException {
        Set<String> socketInodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        socketInodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // fd closed between listing and reading
                }
            }
        }
        List<InetAddress> result = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.isReadable(path)) {
                continue;
            }
            List<String> lines = Files.readAllLines(path);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+"); // sl local_address rem_address st ... inode
                if (f.length > 9 && f[3].equals("0A") && socketInodes.contains(f[9])) {
                    result.add(decodeProcAddress(f[1].substring(0, f[1].indexOf(':'))));
                }
            }
        }
        return result;
    }

    /** /proc/net/tcp prints the address as 32-bit words in host (little-endian) order. */
    private static InetAddress decodeProcAddress(String hex) throws IOException {
        byte[] bytes = HexFormat.of().parseHex(hex);
        for (int i = 0; i < bytes.length; i += 4) {
            byte b0 = bytes[i];
            byte b1 = bytes[i + 1];
            bytes[i] = bytes[i + 3];
            bytes[i + 1] = bytes[i + 2];
            bytes[i + 2] = b1;
            bytes[i + 3] = b0;
        }
        return InetAddress.getByAddress(bytes);
    }
}
