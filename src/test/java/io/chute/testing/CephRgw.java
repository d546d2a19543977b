package io.chute.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway single-node Ceph cluster with its S3 gateway (RADOS Gateway, beast frontend) on 127.0.0.1, run by
 * {@code bench/servers/ceph-rgw.sh} (see its header for every setting): one monitor, one OSD on the in-memory
 * memstore backend, radosgw with its default settings (SigV4 enforced) and one S3 user with fixed keys.
 *
 * <p>Contract: {@link #start()} returns once the gateway answers HTTP and the user exists (~15 s), or throws with
 * the script's own error and log tail; {@link #close()} kills every daemon and deletes the cluster's directory; a
 * JVM shutdown hook closes every gateway still running, and the script's watcher stops the cluster if the JVM is
 * killed outright. Needs Debian's {@code ceph-mon}, {@code ceph-osd} and
 * {@code radosgw}: tests call {@link #installed()} (or use {@link SharedS3Servers#get}) to skip without them.
 * The script comes from the system property {@value #SCRIPT_PROPERTY} (set by surefire/failsafe), defaulting to
 * {@code bench/servers/ceph-rgw.sh} under the working directory.
 */
public final class CephRgw implements S3Server {

    public static final String SCRIPT_PROPERTY = "chutetest.ceph-rgw-script";
    /** The binaries the script runs, all on PATH once the three packages are installed. */
    public static final List<String> BINARIES =
            List.of("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool", "ceph-authtool", "ceph");
    public static final String PACKAGES = "ceph-mon ceph-osd radosgw";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180); // the script's own waits end sooner
    private static final Set<CephRgw> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(CephRgw::close), "ceph-rgw-reaper"));
    }

    private final Path dir;
    private final Path logFile;
    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private final String region;
    private final Duration startupTime;

    private CephRgw(Path dir, Path logFile, Map<String, String> out, Duration startupTime) {
        this.dir = dir;
        this.logFile = logFile;
        this.endpoint = URI.create(out.get("endpoint"));
        this.accessKey = out.get("access_key");
        this.secretKey = out.get("secret_key");
        this.region = out.getOrDefault("region", S3ServerProcess.REGION);
        this.startupTime = startupTime;
    }

    /** The binaries missing from PATH; empty when RGW can run here. */
    public static List<String> missingBinaries() {
        List<Path> path = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(s -> !s.isEmpty()).map(Path::of).toList();
        return BINARIES.stream().filter(b -> path.stream().noneMatch(d -> Files.isExecutable(d.resolve(b)))).toList();
    }

    public static boolean installed() {
        return missingBinaries().isEmpty();
    }

    /** Why RGW tests are skipped here, naming what to install. */
    public static String notInstalledMessage() {
        return "Ceph RGW tests skipped: " + String.join(", ", missingBinaries()) + " not on PATH; install the Debian"
                + " packages " + PACKAGES + " (apt-get install --no-install-recommends " + PACKAGES + ")";
    }

    /**
     * Starts a gateway on a free loopback port; see the class comment. A start that failed because a port taken
     * as free was bound by someone else first (the check and the bind are not atomic) is tried again, at most
     * three times in all, on other ports.
     */
    public static CephRgw start() {
        return start(ProcessHandle.current().pid());
    }

    /**
     * As {@link #start()}, living until the process {@code ownerPid} is gone (the script's watcher stops it then);
     * when that is not this JVM, this JVM's exit does not stop it ({@link SharedS3Servers} shares it with the build).
     */
    public static CephRgw start(long ownerPid) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(ownerPid);
            } catch (IllegalStateException e) {
                String message = String.valueOf(e.getMessage());
                if (attempt == 3 || !(message.contains("Address already in use") || message.contains("unable to bind"))) {
                    throw e;
                }
            }
        }
    }

    private static CephRgw startOnce(long ownerPid) {
        if (!installed()) {
            throw new IllegalStateException(notInstalledMessage());
        }
        Path script = script();
        int port = freeLoopbackPort();
        Path dir;
        Path logFile;
        Path stdout;
        try {
            dir = Files.createTempDirectory("chute-rgw-"); // short: admin socket paths must fit 107 bytes
            Path logDir = Files.createDirectories(logDir());
            logFile = logDir.resolve("ceph-rgw-" + port + ".log");
            stdout = Files.createTempFile("chute-rgw-out-", ".txt");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Ceph RGW", e);
        }
        long startNanos = System.nanoTime();
        try {
            ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), "start", dir.toString(),
                    String.valueOf(port))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(stdout.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            // the script's watcher stops the cluster once its owner is gone (also a JVM killed without running its hooks)
            builder.environment().put("OWNER_PID", String.valueOf(ownerPid));
            Process process = builder.start();
            boolean finished = process.waitFor(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (!finished) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                stop(script, dir, logFile);
                throw new IllegalStateException("Ceph RGW did not start within " + STARTUP_TIMEOUT + "; log " + logFile
                        + ":\n" + tail(logFile, 60));
            }
            if (process.exitValue() != 0) {
                stop(script, dir, logFile); // the script cleans up after itself; this covers a script killed mid-way
                throw new IllegalStateException("Ceph RGW failed to start (" + script + " exited " + process.exitValue()
                        + "); log " + logFile + ":\n" + tail(logFile, 60));
            }
            Map<String, String> out = new HashMap<>();
            for (String line : Files.readAllLines(stdout)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    out.put(line.substring(0, eq), line.substring(eq + 1).trim());
                }
            }
            if (!out.keySet().containsAll(List.of("endpoint", "access_key", "secret_key"))) {
                stop(script, dir, logFile);
                throw new IllegalStateException("unexpected output of " + script + ": " + out + "; log " + logFile);
            }
            CephRgw rgw = new CephRgw(dir, logFile, out, Duration.ofNanos(System.nanoTime() - startNanos));
            if (ownerPid == ProcessHandle.current().pid()) {
                LIVE.add(rgw);
            }
            return rgw;
        } catch (IOException e) {
            stop(script, dir, logFile);
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(script, dir, logFile);
            throw new IllegalStateException("interrupted while starting Ceph RGW", e);
        } finally {
            try {
                Files.deleteIfExists(stdout);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }

    @Override
    public Store store() { return Store.CEPH_RGW; }
    @Override
    public URI endpoint() { return endpoint; }
    @Override
    public String accessKey() { return accessKey; }
    @Override
    public String secretKey() { return secretKey; }
    @Override
    public String region() { return region; }
    /** The script's progress and errors; the daemons' own logs are copied next to it on {@link #close()}. */
    @Override
    public Path logFile() { return logFile; }
    /** Time from running the script until the gateway answered and the user existed. */
    public Duration startupTime() { return startupTime; }
    /** Monitor, OSD and gateway, from the pid files the script keeps in {@link #dir()}. */
    @Override
    public List<Long> pids() {
        try (Stream<Path> files = Files.list(dir.resolve("pids"))) {
            return files.sorted().map(f -> {
                try {
                    return Long.parseLong(Files.readString(f).trim());
                } catch (IOException | NumberFormatException e) {
                    return -1L;
                }
            }).filter(pid -> pid > 0).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The cluster's directory (config, daemon logs under {@code log/}); deleted by {@link #close()}. */
    public Path dir() { return dir; }

    /** Idempotent: keeps the daemons' logs next to {@link #logFile()}, then stops the cluster and deletes it. */
    @Override
    public void close() {
        if (!LIVE.remove(this)) {
            return;
        }
        Path keep = Path.of(logFile.toString().replaceFirst("\\.log$", "-daemons"));
        try (Stream<Path> logs = Files.list(dir.resolve("log"))) {
            Files.createDirectories(keep);
            for (Path log : logs.filter(p -> p.toString().endsWith(".log") && Files.isRegularFile(p)).toList()) {
                Files.copy(log, keep.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: logs are for post-mortems only
        }
        stop(script(), dir, logFile);
    }

    private static void stop(Path script, Path dir, Path logFile) {
        try {
            Process p = new ProcessBuilder("bash", script.toString(), "stop", dir.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // nothing more to do: the daemons' pids are in dir/pids
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path script() {
        Path script = Path.of(System.getProperty(SCRIPT_PROPERTY, "bench/servers/ceph-rgw.sh")).toAbsolutePath();
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException(script + " is missing (system property " + SCRIPT_PROPERTY + ")");
        }
        return script;
    }

    private static Path logDir() {
        String servers = System.getProperty(S3ServerProcess.SERVERS_DIR_PROPERTY, "target/s3-servers");
        return Path.of(servers).toAbsolutePath().getParent().resolve("s3-server-logs");
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static String tail(Path file, int lines) {
        try {
            String[] all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\\R");
            return String.join("\n", Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** For messages: where the gateway listens. */
    @Override
    public String toString() { return "CEPH_RGW@" + endpoint; }

    /** For callers that only want to know whether a start could work, with the reason when not. */
    public static Optional<String> unavailableReason() {
        return installed() ? Optional.empty() : Optional.of(notInstalledMessage());
    }
}
