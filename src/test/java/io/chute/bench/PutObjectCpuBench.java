package io.chute.bench;

import com.sun.net.httpserver.HttpServer;
import io.chute.config.S3Connection;
import io.chute.s3.S3ClientFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;

/**
 * The client CPU of one small PutObject through {@link S3ClientFactory}'s client (the SDK's pipeline, SigV4 and the
 * Apache client), without Chute's file handling: a plain {@code main}, not a test. One thread sends 64 KiB
 * PutObjects (with CRC32C and MD5 headers, as Chute does) to an in-process HTTP server that answers 200; the
 * sending thread's CPU time ({@code ThreadMXBean}) over each round of requests is reported, so the server's CPU
 * and the host's load do not count. Run against two builds to compare them:
 * <pre>
 * java -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
 *      -cp target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*:target/test-classes io.chute.bench.PutObjectCpuBench [WARMUP] [ROUNDS] [PER_ROUND] [THREADS]
 * </pre>
 */
public final class PutObjectCpuBench {

    public static void main(String[] args) throws Exception {
        // As in the daemon: nothing below INFO (outside Quarkus the log manager would log Apache's wire at DEBUG)
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
        java.util.logging.Logger.getLogger("org.apache.http").setLevel(java.util.logging.Level.INFO);
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int perRound = args.length > 2 ? Integer.parseInt(args[2]) : 5_000;
        int threadCount = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
        URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        S3Connection connection = new S3Connection(Optional.of(endpoint), "us-east-1", true, Optional.empty(),
                Optional.empty(), Optional.empty(), "chute", Duration.ofHours(1), Optional.empty(), Optional.empty(),
                Optional.of("bench-key"), Optional.of("bench-secret-key"), false, false, 10_000, 64,
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ZERO, false);
        byte[] body = new byte[64 * 1024];
        new java.util.Random(1).nextBytes(body);
        CRC32C crc = new CRC32C();
        crc.update(body);
        byte[] c = new byte[4];
        long v = crc.getValue();
        c[0] = (byte) (v >>> 24); c[1] = (byte) (v >>> 16); c[2] = (byte) (v >>> 8); c[3] = (byte) v;
        String crcBase64 = Base64.getEncoder().encodeToString(c);
        String md5Base64 = Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("MD5").digest(body));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        java.util.concurrent.ExecutorService senders = Executors.newFixedThreadPool(threadCount);
        try (S3Client s3 = S3ClientFactory.build(connection)) {
            sendAll(senders, threadCount, warmup, i -> put(s3, "warm/d" + (i % 20) + "/f" + i + ".bin", body,
                    crcBase64, md5Base64));
            double[] micros = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                int round = r;
                java.util.concurrent.atomic.AtomicLong cpu = new java.util.concurrent.atomic.AtomicLong();
                sendAll(senders, threadCount, perRound, i -> {
                    long cpu0 = threads.getCurrentThreadCpuTime();
                    put(s3, "run" + round + "/d" + (i % 20) + "/f" + i + ".bin", body, crcBase64, md5Base64);
                    cpu.addAndGet(threads.getCurrentThreadCpuTime() - cpu0);
                });
                micros[r] = cpu.get() / 1e3 / perRound;
                System.out.printf("round %d: %.1f us CPU per PutObject%n", r + 1, micros[r]);
            }
            Arrays.sort(micros);
            System.out.printf("median: %.1f us CPU per PutObject (%d rounds of %d after %d warm-up)%n",
                    micros[rounds / 2], rounds, perRound, warmup);
        } finally {
            senders.shutdownNow();
            server.stop(0);
        }
        System.exit(0);
    }

    /** Sends {@code n} requests from {@code threadCount} threads at once; returns when all are answered. */
    private static void sendAll(java.util.concurrent.ExecutorService senders, int threadCount, int n,
                                java.util.function.IntConsumer send) throws Exception {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            done.add(senders.submit(() -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    send.accept(i);
                }
            }));
        }
        for (java.util.concurrent.Future<?> f : done) {
            f.get();
        }
    }

    private static void put(S3Client s3, String key, byte[] body, String crc, String md5) {
        s3.putObject(b -> b.bucket("bench").key("chute/" + key).contentLength((long) body.length)
                .checksumCRC32C(crc).contentMD5(md5).ifNoneMatch("*"),
                RequestBody.fromContentProvider(() -> new java.io.ByteArrayInputStream(body), body.length,
                        "application/octet-stream"));
    }
}
