package io.chute.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}) as a separate process, launched the
 * way operators launch it: {@code java -Dquarkus.config.locations=FILE -jar quarkus-run.jar [args]}. Output
 * goes to a log file; the management interface gets a free loopback port. {@link #close} kills it.
 */
public final class DaemonProcess implements AutoCloseable {

    public static final String APP_JAR_PROPERTY = "chutetest.app-jar";
    /** Replaced after a request outlived its deadline: that client may be wedged (see {@link #get}). */
    private static volatile HttpClient http = newHttpClient();

    private final Process process;
    private final Path log;
    private final int managementPort;

    private DaemonProcess(Process process, Path log, int managementPort) {
        this.process = process;
        this.log = log;
        this.managementPort = managementPort;
    }

    public static Path appJar() {
        Path jar = Path.of(System.getProperty(APP_JAR_PROPERTY, "target/quarkus-app/quarkus-run.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: process tests run after 'package' (mvn verify)");
        }
        return jar;
    }

    /**
     * Starts the daemon with a configuration file; {@code log} receives stdout and stderr; {@code jvmOptions}
     * (e.g. {@code -Dname=value}) go before {@code -jar}.
     */
    public static DaemonProcess start(Path config, Path log, String... jvmOptions) throws IOException {
        return start(config, log, java.util.Map.of(), jvmOptions);
    }

    /** As {@link #start(Path, Path, String...)}, with extra environment variables for the process. */
    public static DaemonProcess start(Path config, Path log, java.util.Map<String, String> env, String... jvmOptions)
            throws IOException {
        return start(config, log, env, PackagedJvm.startupOptions(), jvmOptions);
    }

    /**
     * As {@link #start(Path, Path, String...)} without the harness's start-up options ({@link PackagedJvm}): for
     * tests that measure the application under exactly the JVM flags it ships with.
     */
    public static DaemonProcess startAsShipped(Path config, Path log, String... jvmOptions) throws IOException {
        return startAsShipped(config, log, java.util.Map.of(), jvmOptions);
    }

    /** As {@link #startAsShipped(Path, Path, String...)}, with the environment the unit sets (e.g. its malloc arenas). */
    public static DaemonProcess startAsShipped(Path config, Path log, java.util.Map<String, String> env,
            String... jvmOptions) throws IOException {
        return start(config, log, env, List.of(), jvmOptions);
    }

    private static DaemonProcess start(Path config, Path log, java.util.Map<String, String> env,
            List<String> startupOptions, String... jvmOptions) throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(PackagedJvm.javaExecutable(), "-Xmx256m", "-XX:+UseSerialGC",
                "-Dquarkus.config.locations=" + config.toAbsolutePath(),
                "-Dquarkus.management.port=" + port, "-Dquarkus.management.host=127.0.0.1"));
        cmd.addAll(startupOptions);
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-jar", appJar().toString()));
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        Process p = builder.start();
        return new DaemonProcess(p, log, port);
    }

    public String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Waits until the log matches; fails with the log's content otherwise. */
    public void awaitLog(String regex, Duration timeout) throws IOException, InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (pattern.matcher(logText()).find()) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("daemon exited (" + process.exitValue() + ") before logging /" + regex
                        + "/:\n" + logText());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no /" + regex + "/ in the daemon log within " + timeout + ":\n" + logText());
    }

    /**
     * GET on the management interface; returns status code and body. Waits up to 30 s for the interface to
     * open (Quarkus opens it after the application's startup observers, which log "Chute started") and retries
     * a request that timed out (a daemon busy collecting garbage under a small heap) within the same 30 s.
     *
     * <p>Each attempt is bounded by a deadline of its own around the client's future, not only by the request
     * timeout: once a JDK 17 {@code HttpClient}'s selector thread was gone, its {@code send} waited forever with
     * the timeout set (CrashRecoveryIT hung for half an hour while the daemon answered curl at once). An attempt
     * that outlives that deadline replaces the shared client.
     */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            HttpClient client = http;
            java.util.concurrent.CompletableFuture<HttpResponse<String>> response =
                    client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            try {
                return response.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException wedged) {
                response.cancel(true);
                synchronized (DaemonProcess.class) {
                    if (http == client) {
                        http = newHttpClient();
                    }
                }
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new java.net.http.HttpTimeoutException("GET " + path + ": no answer within 10 s");
                }
            } catch (java.util.concurrent.ExecutionException failed) {
                Throwable cause = failed.getCause();
                boolean notOpenYetOrBusy = cause instanceof java.net.ConnectException
                        || cause instanceof java.net.http.HttpTimeoutException;
                if (!notOpenYetOrBusy || !process.isAlive() || System.nanoTime() > deadline) {
                    throw cause instanceof IOException io ? io : new IOException("GET " + path, cause);
                }
                Thread.sleep(100);
            }
        }
    }

    private static HttpClient newHttpClient() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** Sum of every sample of a Prometheus metric (all tag combinations); 0 when absent. */
    public double metric(String name) throws IOException, InterruptedException {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.eE+-]+)$")
                .matcher(get("/q/metrics").body());
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    /** The daemon's process id. */
    public long pid() {
        return process.pid();
    }

    /** Peak resident set size of the daemon so far ({@code VmHWM}), in bytes. */
    public long peakRssBytes() throws IOException {
        return procStatusKib("VmHWM") * 1024;
    }

    private long procStatusKib(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException(field + " not in /proc/" + process.pid() + "/status");
    }

    /** SIGKILL: the process gets no chance to clean up. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits for the exit; returns the exit status. */
    public int sigterm(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("daemon did not exit within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    public int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process did not exit within " + timeout);
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill9();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
