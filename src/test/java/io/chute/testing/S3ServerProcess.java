package io.chute.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;


/**
 * A real S3-speaking server running as a separate {@code java} process, bound to 127.0.0.1 ONLY.
 *
 * <p>Contract: {@link #start(Kind)} returns only once the server answers HTTP on {@link #endpoint()}
 * (or throws with the tail of its log); {@link #close()} kills it and deletes its data; a JVM shutdown
 * hook kills every server still running, so none outlives a failed or aborted test run (short of SIGKILL).
 * The jars come from the system property {@value #SERVERS_DIR_PROPERTY} (set by surefire/failsafe),
 * defaulting to {@code target/s3-servers}; the pom's {@code initialize} phase fetches them.
 *
 * <p><b>S3Proxy 4.1.0</b>: {@code java -jar s3proxy.jar --properties <file>} with a generated file that
 * listens on {@code http://127.0.0.1:<port>}, stores in a temp dir (jclouds {@code filesystem}) and
 * VERIFIES SigV2/SigV4 signatures against {@link #accessKey()}/{@link #secretKey()}.
 *
 * <p><b>S3Mock 5.2.0</b> (Spring Boot 4.1) has two Tomcat connectors: the main one ({@code server.port},
 * HTTPS by default, honours {@code server.address}) and a plain-HTTP one created by the {@code @Bean}
 * {@code S3MockConfiguration#httpConnector} ({@code http.port}) that IGNORES {@code server.address} and
 * listens on all interfaces. No property changes that, so without compiling anything we hand Spring an
 * extra bean-definition source: a generated XML file (via {@code spring.main.sources}) that redefines the
 * bean {@code httpConnector} as a Tomcat {@code Connector} whose protocol handler has
 * {@code address=127.0.0.1}. With {@code spring.main.allow-bean-definition-overriding=true} an XML
 * definition takes precedence over the {@code @Bean} method, and S3Mock wires our connector in as its
 * HTTP connector. The main connector gets {@code server.address=127.0.0.1}, {@code server.port=0}
 * (random) and {@code server.ssl.enabled=false}. {@code -Djava.net.preferIPv4Stack=true} makes the
 * sockets plain IPv4 ({@code ss -ltnp} shows {@code 127.0.0.1:<port>}, never {@code *} or {@code [::]}).
 */
public final class S3ServerProcess implements S3Server {

    /** Which server implementation to run. */
    public enum Kind { S3MOCK, S3PROXY }

    public static final String SERVERS_DIR_PROPERTY = "chutetest.s3-servers";
    public static final String REGION = "us-east-1";
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180); // S3Mock took over 60 s on a loaded 2-core host
    private static final int START_ATTEMPTS = 3; // a free port can be grabbed by someone else before the server binds it
    private static final Set<S3ServerProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(s -> s.shutdown(5)), "s3-server-reaper"));
    }

    private final Kind kind;
    private final int port;
    private final Path workDir; // temp dir: generated config + stored objects, deleted by close()
    private final Path logFile;
    private final String accessKey;
    private final String secretKey;
    private Process process;
    private Duration startupTime;

    private S3ServerProcess(Kind kind, int port, Path workDir, Path logFile, String accessKey, String secretKey) {
        this.kind = kind;
        this.port = port;
        this.workDir = workDir;
        this.logFile = logFile;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** Starts a server of the given kind on a free loopback port and waits until it answers HTTP (≤ 60 s). */
    public static S3ServerProcess start(Kind kind) {
        return start(kind, List.of());
    }

    /**
     * Like {@link #start(Kind)} with settings that are not the server's defaults, for the rare test that needs
     * one (say why at the call site): S3Proxy properties ({@code key=value} lines of its properties file) or
     * S3Mock command-line options ({@code --key=value}).
     */
    public static S3ServerProcess start(Kind kind, List<String> extraSettings) {
        for (int attempt = 1; ; attempt++) {
            S3ServerProcess server = launch(kind, freeLoopbackPort(), extraSettings);
            try {
                server.awaitReady();
                return server;
            } catch (RuntimeException e) {
                String log = server.process.isAlive() ? "" : server.logTail(200);
                boolean portTaken = log.contains("already in use") || log.contains("Failed to bind"); // Tomcat / Jetty
                server.close();
                if (!portTaken || attempt >= START_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static S3ServerProcess launch(Kind kind, int port, List<String> extraSettings) {
        String name = kind.name().toLowerCase(Locale.ROOT);
        Path jar = serversDir().resolve(name + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run `mvn initialize` (the pom fetches it)");
        }
        try {
            Path workDir = Files.createTempDirectory("chute-" + name + "-");
            Path logDir = Files.createDirectories(serversDir().getParent().resolve("s3-server-logs"));
            boolean mock = kind == Kind.S3MOCK; // S3Mock checks no signature: its keys are dummies
            S3ServerProcess server = new S3ServerProcess(kind, port, workDir, logDir.resolve(name + "-" + port + ".log"),
                    mock ? "s3mock-dummy-access-key" : "chute-test", mock ? "s3mock-dummy-secret-key" : "chute-test-secret");
            // all compiler tiers: one server per test JVM serves gigabytes (MD5 ETags, checksums), where the
            // client compiler's code (no MD5 or SHA intrinsics) costs more than the optimising tier's compilations
            List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx256m", "-XX:+UseSerialGC",
                    "-Djava.net.preferIPv4Stack=true", "-jar", jar.toString()));
            command.addAll(mock ? server.s3mockArgs() : server.s3proxyArgs(extraSettings));
            if (mock) {
                command.addAll(extraSettings);
            }
            Files.writeString(server.logFile, "# " + String.join(" ", command) + System.lineSeparator());
            server.process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(server.logFile.toFile()))
                    .start();
            LIVE.add(server);
            server.process.getOutputStream().close();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + kind, e);
        }
    }

    /** S3Mock: both connectors on 127.0.0.1 (see class comment), HTTP on {@code port}, data in the temp dir. */
    private List<String> s3mockArgs() throws IOException {
        Path xml = Files.writeString(workDir.resolve("loopback-http-connector.xml"),
                LOOPBACK_HTTP_CONNECTOR_XML.formatted(port, LOOPBACK));
        return List.of("--spring.main.sources=" + xml.toUri(), "--spring.main.allow-bean-definition-overriding=true",
                "--http.port=" + port, "--server.address=" + LOOPBACK, "--server.port=0", "--server.ssl.enabled=false",
                "--com.adobe.testing.s3mock.store.root=" + Files.createDirectories(workDir.resolve("data")),
                // S3Mock's max-payload-size (10MB) stays at its default: it sizes Tomcat's swallow and form-post
                // limits and Spring's multipart/form-data limits, not S3 bodies (a 256 MB PutObject and a 16 MiB
                // UploadPart are stored under it; StoreCompatibilityTest sends a 16 MiB part)
                "--com.adobe.testing.s3mock.store.retain-files-on-exit=false");
    }

    /** S3Proxy: filesystem store in the temp dir, SigV2/SigV4 verified against this server's keys. */
    private List<String> s3proxyArgs(List<String> extraSettings) throws IOException {
        Path data = Files.createDirectories(workDir.resolve("data"));
        Path props = Files.writeString(workDir.resolve("s3proxy.properties"), String.join("\n",
                "s3proxy.endpoint=http://" + LOOPBACK + ":" + port, "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + accessKey, "s3proxy.credential=" + secretKey,
                "jclouds.provider=filesystem", "jclouds.identity=" + accessKey, "jclouds.credential=" + secretKey,
                "jclouds.filesystem.basedir=" + data.toString().replace('\\', '/'),
                String.join("\n", extraSettings),
                ""));
        return List.of("--properties", props.toString());
    }

    /** Spring XML redefining S3Mock's {@code httpConnector} bean: same Tomcat connector, bound to 127.0.0.1. */
    private static final String LOOPBACK_HTTP_CONNECTOR_XML = """
            <?xml version="1.0" encoding="UTF-8"?>
            <beans xmlns="http://www.springframework.org/schema/beans"
                   xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                   xsi:schemaLocation="http://www.springframework.org/schema/beans https://www.springframework.org/schema/beans/spring-beans.xsd">
              <bean id="httpConnector" class="org.apache.catalina.connector.Connector">
                <property name="port" value="%d"/>
                <property name="protocolHandler.address">
                  <bean class="java.net.InetAddress" factory-method="getByName"><constructor-arg value="%s"/></bean>
                </property>
              </bean>
            </beans>
            """;

    private void awaitReady() {
        long startNanos = System.nanoTime();
        long deadline = startNanos + STARTUP_TIMEOUT.toNanos();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(endpoint()).timeout(Duration.ofSeconds(5)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(kind + " exited with " + process.exitValue()
                        + " before answering on " + endpoint() + "; log " + logFile + ":\n" + logTail(60));
            }
            try {
                try {
                    http.send(probe, HttpResponse.BodyHandlers.discarding()); // any HTTP status means it is serving
                    startupTime = Duration.ofNanos(System.nanoTime() - startNanos);
                    return;
                } catch (IOException notListeningYet) {
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + kind, e);
            }
        }
        throw new IllegalStateException(kind + " did not answer on " + endpoint() + " within " + STARTUP_TIMEOUT
                + "; log " + logFile + ":\n" + logTail(60));
    }

    public Kind kind() { return kind; }
    @Override
    public Store store() { return Store.of(kind); }
    @Override
    public URI endpoint() { return URI.create("http://" + LOOPBACK + ":" + port); }
    public int port() { return port; }
    public long pid() { return process.pid(); }
    @Override
    public List<Long> pids() { return List.of(process.pid()); }
    @Override
    public String accessKey() { return accessKey; }
    @Override
    public String secretKey() { return secretKey; }
    @Override
    public String region() { return REGION; }
    @Override
    public Path logFile() { return logFile; }
    /** Time from process launch until the first HTTP answer. */
    public Duration startupTime() { return startupTime; }

    /** Last {@code lines} lines of the server log (for failure messages). */
    public String logTail(int lines) {
        try { // lenient decoding: a log may hold bytes that are not UTF-8
            String[] all = new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8).split("\\R");
            return String.join("\n", Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /**
     * Hands the server's lifetime from this JVM to the process {@code ownerPid} (the Maven build that forked this
     * JVM, see {@link SharedS3Servers}): this JVM's exit no longer stops it; a small watcher stops it (SIGTERM, 10 s,
     * SIGKILL) and deletes its temp data once that process is gone. Returns this server.
     */
    public S3ServerProcess stopWhenGone(long ownerPid) {
        LIVE.remove(this);
        String pid = String.valueOf(process.pid());
        String script = "while kill -0 " + ownerPid + " 2>/dev/null; do sleep 1; done; kill " + pid + " 2>/dev/null;"
                + " for i in $(seq 20); do kill -0 " + pid + " 2>/dev/null || break; sleep 0.5; done;"
                + " kill -9 " + pid + " 2>/dev/null; rm -rf '" + workDir + "'";
        try {
            new ProcessBuilder("bash", "-c", script).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        } catch (IOException e) {
            LIVE.add(this); // no watcher: this JVM stops it after all
            throw new UncheckedIOException("cannot start the watcher of " + this, e);
        }
        return this;
    }

    /** Idempotent: SIGTERM, up to 10 s grace, then SIGKILL; then deletes the server's temp data. */
    @Override
    public void close() { shutdown(10); }

    private void shutdown(int graceSeconds) {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        LIVE.remove(this);
        deleteRecursively(workDir);
    }

    private static Path serversDir() {
        return Path.of(System.getProperty(SERVERS_DIR_PROPERTY, "target/s3-servers")).toAbsolutePath();
    }

    private static String javaExecutable() {
        Path candidate = Path.of(System.getProperty("java.home"), "bin", "java");
        return Files.isExecutable(candidate) ? candidate.toString()
                : ProcessHandle.current().info().command().orElse("java");
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: the directory lives under java.io.tmpdir
        }
    }

    @Override
    public String toString() { return kind + "@" + endpoint() + " (pid " + process.pid() + ")"; }
}
