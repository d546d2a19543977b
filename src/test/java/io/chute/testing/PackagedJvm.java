package io.chute.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Start-up options for the packaged application when a test launches it as a process ({@link DaemonProcess},
 * {@link CliProcess}). The suite starts that JVM about a hundred times and most runs last seconds, so start-up
 * CPU dominates: the JIT's optimising tier compiles code the short run never repays, and every start loads and
 * verifies the same classes again. Two options that change no behaviour of the application remove most of it:
 * <ul>
 *   <li>{@code -XX:TieredStopAtLevel=1}: client-compiler code only (intrinsics such as CRC32C still apply);</li>
 *   <li>a class-data-sharing archive of the classes a start loads, dumped once per test JVM by one
 *       {@code chute presign get} run ({@code -XX:ArchiveClassesAtExit}); {@code -Xshare:auto} falls back to
 *       no archive if it cannot be mapped.</li>
 * </ul>
 * Measured on the 2-core CI host: one CLI start fell from about 5.2 s to 2.4 s of CPU. A test about the
 * application's memory or speed under the shipped flags launches without them ({@link DaemonProcess#startAsShipped}).
 */
public final class PackagedJvm {

    private static List<String> startupOptions;

    private PackagedJvm() {
    }

    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The options above; the archive is made on first use (a few seconds), or left out if that fails. */
    public static synchronized List<String> startupOptions() {
        if (startupOptions == null) {
            List<String> options = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1"));
            Path archive = dumpArchive();
            if (archive != null) {
                options.addAll(List.of("-Xshare:auto", "-XX:SharedArchiveFile=" + archive));
            }
            startupOptions = List.copyOf(options);
        }
        return startupOptions;
    }

    private static Path dumpArchive() {
        try {
            Path dir = Files.createDirectories(DaemonProcess.appJar().toAbsolutePath().getParent().getParent()
                    .resolve("test-cds"));
            Path partial = dir.resolve("chute-" + ProcessHandle.current().pid() + ".jsa.partial");
            Path archive = dir.resolve("chute-" + ProcessHandle.current().pid() + ".jsa");
            Files.deleteIfExists(partial);
            // presign needs credentials but no server: it boots Quarkus, picocli, the SDK's client and signer
            Process dump = new ProcessBuilder(javaExecutable(), "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-XX:ArchiveClassesAtExit=" + partial,
                    "-Daws.accessKeyId=archive", "-Daws.secretAccessKey=archive", "-Daws.region=us-east-1",
                    "-jar", DaemonProcess.appJar().toAbsolutePath().toString(),
                    "presign", "get", "s3://archive/key")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("dump.log").toFile()).start();
            dump.getOutputStream().close();
            if (!dump.waitFor(2, TimeUnit.MINUTES)) {
                dump.destroyForcibly();
                return null;
            }
            if (!Files.isRegularFile(partial) || Files.size(partial) == 0) {
                return null;
            }
            return Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
