package io.chute.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One {@code chute} command run from the packaged jar as an operator types it:
 * {@code java [-D...] -Dquarkus.config.locations=FILE -jar quarkus-run.jar ARGS}, with stdout and stderr
 * captured in separate files. {@link #close} kills the process if it still runs.
 */
public final class CliProcess implements AutoCloseable {

    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private CliProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code chute ARGS}; {@code jvmOptions} (e.g. {@code -Dname=value}) go before {@code -jar}. */
    public static CliProcess start(Path config, Path logDir, List<String> jvmOptions, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(PackagedJvm.javaExecutable(),
                "-Xmx256m", "-XX:+UseSerialGC", "-Dquarkus.config.locations=" + config.toAbsolutePath()));
        cmd.addAll(PackagedJvm.startupOptions());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", DaemonProcess.appJar().toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Files.createDirectories(logDir);
        int n = RUNS.incrementAndGet();
        Path out = logDir.resolve("cli-" + n + ".out");
        Path err = logDir.resolve("cli-" + n + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        return new CliProcess(p, out, err);
    }

    /** Runs {@code chute ARGS} to its end (at most two minutes). */
    public static CliProcess run(Path config, Path logDir, String... args) throws IOException, InterruptedException {
        CliProcess cli = start(config, logDir, List.of(), args);
        cli.waitForExit(Duration.ofMinutes(2));
        return cli;
    }

    public int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("chute did not exit within " + timeout + "; stderr:\n" + stderrQuietly());
        }
        return process.exitValue();
    }

    public int exitValue() {
        return process.exitValue();
    }

    public String stdout() throws IOException {
        return Files.readString(stdout);
    }

    public String stderr() throws IOException {
        return Files.readString(stderr);
    }

    /** Both streams, for assertion messages. */
    public String transcript() {
        try {
            return "--- stdout\n" + stdout() + "--- stderr\n" + stderr();
        } catch (IOException e) {
            return e.toString();
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until stderr matches; fails with the transcript if the process ends first or time runs out. */
    public void awaitStderr(String regex, Duration timeout) throws IOException, InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pattern.matcher(stderr()).find()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("no /" + regex + "/ on stderr:\n" + transcript());
            }
            Thread.sleep(20);
        }
    }

    /**
     * Whether this JVM was started with the signal ignored ({@code SigIgn} of {@code /proc/self/status}; Linux only).
     * A process started in the background by a shell without job control ignores SIGINT, and so does every child,
     * JVMs included (they install no handler for a signal ignored at start): a test of what {@code chute} does on
     * SIGINT cannot run there.
     */
    public static boolean signalIgnoredHere(int signalNumber) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
                return (mask & (1L << (signalNumber - 1))) != 0;
            }
        }
        return false;
    }

    /** Sends a signal by name ({@code INT}, {@code TERM}) with kill(1). */
    public void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    /**
     * TCP ports the process listens on: its socket file descriptors ({@code /proc/PID/fd}) matched by inode
     * against the LISTEN entries of {@code /proc/PID/net/tcp} and {@code tcp6}. Linux only.
     */
    public static Set<Integer> listeningTcpPorts(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // descriptors come and go while we read them
                }
            }
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path file = Path.of("/proc", Long.toString(pid), "net", table);
            if (!Files.exists(file)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                boolean listening = f[3].equals("0A");
                if (listening && inodes.contains(f[9])) {
                    ports.add(Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }

    private String stderrQuietly() {
        try {
            return stderr();
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
