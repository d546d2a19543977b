package io.chute.bench;

import io.chute.checkpoint.Checkpoint;
import io.chute.checkpoint.SidecarCodec;
import io.chute.checkpoint.SidecarHeader;
import io.chute.checkpoint.SidecarStore;
import io.chute.multipart.CompletedPart;
import io.chute.multipart.MultipartSession;
import io.chute.multipart.PartPlan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * Checkpoint cost at 10,000 parts, measured through the production code ({@link SidecarStore#journal}):
 * one header write (temp file + fsync + atomic rename + directory fsync), then N part records appended with an
 * fsync each, timed one by one; then the cost of loading the finished sidecar at resume
 * ({@link SidecarCodec#decode}, and {@link SidecarStore#load} which adds the file read), and of the atomic
 * rewrite a resume does ({@code resumed(...)} with all N parts).
 *
 * <p>A plain {@code main} program, not a JUnit test ({@code mvn verify} does not run it). Usage:
 * {@code java -cp target/classes:target/test-classes:<test classpath> io.chute.bench.CheckpointCostBench DIR [PARTS]}.
 * DIR should be on the file system the drop folders live on, since fsync cost is what is measured.
 * Output: human-readable lines, then one machine-readable line per metric starting with {@code RESULT }.
 */
public final class CheckpointCostBench {

    private CheckpointCostBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: CheckpointCostBench DIR [PARTS (default 10000)] [DECODE_REPEATS (default 20)]");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]).toAbsolutePath());
        int parts = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int decodeRepeats = args.length > 2 ? Integer.parseInt(args[2]) : 20;

        byte[] installationKey = new byte[32];
        new SecureRandom().nextBytes(installationKey);
        SidecarStore store = new SidecarStore(installationKey, Clock.systemUTC());
        SidecarCodec codec = new SidecarCodec(installationKey);

        // The "file" the sidecar belongs to: only its name matters here (the sidecar sits beside it).
        Path file = dir.resolve("big-file.bin");
        Files.deleteIfExists(file);
        Files.createFile(file);
        Path sidecar = store.sidecarOf(file);
        Files.deleteIfExists(sidecar);

        long partSize = 16 * PartPlan.MIB;
        long fileSize = partSize * parts;
        String uploadId = randomUploadId();
        SidecarHeader header = new SidecarHeader(SidecarHeader.VERSION, fileSize, System.currentTimeMillis(),
                "(dev=803,ino=1234567)", "AAAAAA==", "http://127.0.0.1:9090", "bench-bucket",
                "incoming/some/deeper/folder/big-file.bin", uploadId, partSize, "CRC32C",
                java.time.Instant.now().toString());
        // The journal takes its header from headerFor (fixed here); the session only has to exist.
        MultipartSession session = new MultipartSession(header.bucket(), header.key(), uploadId,
                new PartPlan(fileSize, partSize, parts), true);
        List<CompletedPart> completed = new ArrayList<>(parts);
        for (int n = 1; n <= parts; n++) {
            completed.add(fakePart(n, partSize));
        }

        long[] appendNanos = new long[parts];
        long headerNanos;
        long totalStart;
        try (SidecarStore.Journal journal = store.journal(file, s -> header)) {
            long t0 = System.nanoTime();
            journal.started(session);
            headerNanos = System.nanoTime() - t0;
            totalStart = System.nanoTime();
            for (int i = 0; i < parts; i++) {
                long a = System.nanoTime();
                journal.partCompleted(completed.get(i));
                appendNanos[i] = System.nanoTime() - a;
            }
        }
        long totalAppendNanos = System.nanoTime() - totalStart;
        long sidecarBytes = Files.size(sidecar);

        // Growth check: first 1,000 appends vs last 1,000 (O(1) per part means no drift).
        int window = Math.min(1000, parts / 2);
        double firstWindowMedian = median(Arrays.copyOfRange(appendNanos, 0, window)) / 1e6;
        double lastWindowMedian = median(Arrays.copyOfRange(appendNanos, parts - window, parts)) / 1e6;

        // Load at resume: decode of the bytes (first = cold JIT, then warm repeats), and load() incl. file read.
        byte[] content = Files.readAllBytes(sidecar);
        long d0 = System.nanoTime();
        Checkpoint first = codec.decode(content);
        long decodeColdNanos = System.nanoTime() - d0;
        if (first.parts().size() != parts) {
            throw new IllegalStateException("decoded " + first.parts().size() + " parts, expected " + parts);
        }
        long[] decodeNanos = new long[decodeRepeats];
        for (int r = 0; r < decodeRepeats; r++) {
            long a = System.nanoTime();
            Checkpoint c = codec.decode(content);
            decodeNanos[r] = System.nanoTime() - a;
            if (c.parts().size() != parts) {
                throw new IllegalStateException("decode lost parts");
            }
        }
        long l0 = System.nanoTime();
        int loaded = store.load(file).orElseThrow().parts().size();
        long loadNanos = System.nanoTime() - l0;
        if (loaded != parts) {
            throw new IllegalStateException("load lost parts");
        }

        // The atomic rewrite a resume performs (header + every confirmed part, temp + fsync + rename).
        long[] rewriteNanos = new long[3];
        for (int r = 0; r < rewriteNanos.length; r++) {
            try (SidecarStore.Journal journal = store.journal(file, s -> header)) {
                long a = System.nanoTime();
                journal.resumed(session, completed);
                rewriteNanos[r] = System.nanoTime() - a;
            }
        }

        long[] sorted = appendNanos.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "CheckpointCostBench: %d parts, dir %s (%s)%n", parts, dir,
                Files.getFileStore(dir).type());
        System.out.printf(Locale.ROOT, "  header write (temp+fsync+rename+dir fsync): %.3f ms%n", headerNanos / 1e6);
        System.out.printf(Locale.ROOT, "  per-part append+fsync: median %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms%n",
                pct(sorted, 50) / 1e6, pct(sorted, 90) / 1e6, pct(sorted, 99) / 1e6, sorted[sorted.length - 1] / 1e6);
        System.out.printf(Locale.ROOT, "  median of first %d appends %.3f ms, of last %d appends %.3f ms (O(1) check)%n",
                window, firstWindowMedian, window, lastWindowMedian);
        System.out.printf(Locale.ROOT, "  total for %d appends: %.2f s%n", parts, totalAppendNanos / 1e9);
        System.out.printf(Locale.ROOT, "  sidecar size: %d bytes (%.1f bytes/part)%n", sidecarBytes,
                (double) sidecarBytes / parts);
        System.out.printf(Locale.ROOT, "  decode (SidecarCodec.decode): cold %.1f ms, warm median %.1f ms (%d runs)%n",
                decodeColdNanos / 1e6, median(decodeNanos) / 1e6, decodeRepeats);
        System.out.printf(Locale.ROOT, "  load (SidecarStore.load: read + decode, warm): %.1f ms%n", loadNanos / 1e6);
        System.out.printf(Locale.ROOT, "  resume rewrite (resumed(), %d parts, atomic): median %.1f ms%n", parts,
                median(rewriteNanos) / 1e6);

        result("parts", parts);
        result("header_write_ms", headerNanos / 1e6);
        result("append_median_ms", pct(sorted, 50) / 1e6);
        result("append_p90_ms", pct(sorted, 90) / 1e6);
        result("append_p99_ms", pct(sorted, 99) / 1e6);
        result("append_max_ms", sorted[sorted.length - 1] / 1e6);
        result("append_first1000_median_ms", firstWindowMedian);
        result("append_last1000_median_ms", lastWindowMedian);
        result("append_total_s", totalAppendNanos / 1e9);
        result("sidecar_bytes", sidecarBytes);
        result("decode_cold_ms", decodeColdNanos / 1e6);
        result("decode_warm_median_ms", median(decodeNanos) / 1e6);
        result("load_warm_ms", loadNanos / 1e6);
        result("resume_rewrite_median_ms", median(rewriteNanos) / 1e6);

        Files.deleteIfExists(sidecar);
        Files.deleteIfExists(file);
    }

    private static void result(String name, double value) {
        System.out.printf(Locale.ROOT, "RESULT %s %.3f%n", name, value);
    }

    private static long pct(long[] sorted, int percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double median(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    /** A realistic part record: quoted hex MD5 ETag, base64 CRC32C and MD5, as S3 and Chute produce them. */
    private static CompletedPart fakePart(int n, long size) throws NoSuchAlgorithmException {
        byte[] seed = ByteBuffer.allocate(8).putInt(n).putInt(n * 31).array();
        byte[] md5 = MessageDigest.getInstance("MD5").digest(seed);
        CRC32C crc = new CRC32C();
        crc.update(seed);
        String crc32c = Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return new CompletedPart(n, size, "\"" + HexFormat.of().formatHex(md5) + "\"", crc32c,
                Base64.getEncoder().encodeToString(md5));
    }

    /** Upload ids look like long opaque tokens (S3: ~ 100+ chars of base64-ish text). */
    private static String randomUploadId() {
        byte[] b = new byte[72];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
