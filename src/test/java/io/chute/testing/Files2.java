package io.chute.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Test data helpers: deterministic random files and SHA-256 digests. */
public final class Files2 {

    private Files2() {
    }

    /** Writes {@code size} pseudo-random bytes (seeded, so reruns are reproducible) and returns the SHA-256. */
    public static String writeRandom(Path file, long size, long seed) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Random random = new Random(seed);
        byte[] chunk = new byte[1 << 20];
        MessageDigest sha = sha256();
        try (var out = Files.newOutputStream(file)) {
            long left = size;
            while (left > 0) {
                random.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                sha.update(chunk, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    public static String sha256(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
            sha.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Every sidecar under a folder, including corrupt-sidecar copies. */
    public static long sidecarCount(Path folder) throws IOException {
        return sidecars(folder).size();
    }

    /** The names, relative to {@code folder}, of every sidecar under it (corrupt copies and temp files too). */
    public static List<String> sidecars(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(p -> p.getFileName().toString().contains(".upload_state"))
                    .map(p -> folder.relativize(p).toString()).sorted().toList();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
