package io.chute.testing;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import org.junit.jupiter.api.Assumptions;

import io.chute.testing.S3Server.Store;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One server of each {@link Store} per test JVM (per Maven build, see below), started on first use, and the
 * buckets that keep the tests sharing it apart.
 *
 * <pre>{@code
 * static S3Server server = SharedS3Servers.get(Store.S3MOCK);
 * static String bucket = SharedS3Servers.freshBucket(server, "targets");   // e.g. targets-3f9c0a1b, empty
 * }</pre>
 *
 * <p>Under Maven the JVMs of one build (three surefire JVMs, then the failsafe JVM) share one server of each
 * store, started by the first that needs it and stopped when Maven exits (see {@code Registry.startOrJoin});
 * {@code -Dchutetest.servers-per-jvm=true} gives each JVM its own as before.
 *
 * <p>Contract: {@link #get} returns a view of the JVM's one running server of that store (its {@code close()} does
 * nothing); a server that failed to start is not started again: later calls fail at once with the first error.
 * {@link Store#CEPH_RGW} skips the calling test (a JUnit assumption) where the Ceph binaries are missing.
 *
 * <p>Why one per JVM holds across class loaders: Quarkus loads {@code @QuarkusTest} classes and their test
 * resources in a class loader of each application it starts, so a static field here would exist once per loader,
 * and each copy would start its own servers. The state therefore lives in {@link Registry} as loaded by the system
 * class loader (which holds the test classes under surefire and failsafe); other loaders reach it by reflection
 * and exchange only JDK types (a {@code Map<String, String>} describing the server). Each start is appended to
 * {@code target/s3-server-logs/shared-starts.log} (store, endpoint, pid of the test JVM), which shows the count.
 */
public final class SharedS3Servers {

    private SharedS3Servers() {
    }

    /** The JVM's one server of {@code store}, started now if it is the first call (see the class comment). */
    public static S3Server get(Store store) {
        if (store == Store.CEPH_RGW) {
            Assumptions.assumeTrue(CephRgw.installed(), CephRgw::notInstalledMessage);
        }
        Map<String, String> d = describe(store);
        if (d.containsKey("error")) {
            throw new IllegalStateException("shared " + store + " server is not available: " + d.get("error"));
        }
        List<Long> pids = d.get("pids").isEmpty() ? List.of()
                : java.util.Arrays.stream(d.get("pids").split(",")).map(Long::valueOf).toList();
        return new View(store, URI.create(d.get("endpoint")), d.get("accessKey"), d.get("secretKey"), d.get("region"),
                Path.of(d.get("logFile")), pids);
    }

    public static S3Server get(S3ServerProcess.Kind kind) {
        return get(Store.of(kind));
    }

    /**
     * A fixed bucket name made unique to this test JVM ({@code <name>-<pid>}): for names a Quarkus profile must
     * know in advance and several test classes use, since the JVMs of one build share their servers.
     */
    public static String jvmScoped(String name) {
        return name + "-" + ProcessHandle.current().pid();
    }

    /** A bucket name no other test of this JVM (or an earlier run on the same server) uses: prefix + 8 hex digits. */
    public static String uniqueBucketName(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        clean = clean.substring(0, Math.min(clean.length(), 40)).replaceAll("^-+|-+$", "");
        return (clean.isEmpty() ? "test" : clean) + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates a new empty bucket with a unique name starting with {@code prefix} on {@code server}; returns it. */
    public static String freshBucket(S3Server server, String prefix) {
        String bucket = uniqueBucketName(prefix);
        server.createBucket(bucket);
        return bucket;
    }

    /**
     * Makes {@code bucket} exist and be empty: creates it, or, where an earlier test left it, deletes every object
     * (and version) and aborts every multipart upload in it. For fixed names a test must know in advance (a Quarkus
     * profile's rules); prefer {@link #freshBucket}.
     */
    public static void emptyBucket(S3Server server, String bucket) {
        try (S3Client s3 = server.newClient()) {
            try {
                s3.headBucket(b -> b.bucket(bucket));
            } catch (S3Exception e) {
                if (e.statusCode() != 404) {
                    throw e;
                }
                s3.createBucket(b -> b.bucket(bucket)); // (re-creating one's own bucket is a 200 on some stores)
                return;
            }
            for (MultipartUpload u : s3.listMultipartUploadsPaginator(b -> b.bucket(bucket)).uploads()) {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
            }
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents()) {
                s3.deleteObject(b -> b.bucket(bucket).key(o.key()));
            }
            deleteVersions(s3, bucket);
        }
    }

    private static void deleteVersions(S3Client s3, String bucket) {
        try {
            ListObjectVersionsResponse versions = s3.listObjectVersions(b -> b.bucket(bucket));
            versions.versions().forEach(v -> s3.deleteObject(b -> b.bucket(bucket).key(v.key()).versionId(v.versionId())));
            versions.deleteMarkers().forEach(v -> s3.deleteObject(b -> b.bucket(bucket).key(v.key()).versionId(v.versionId())));
        } catch (S3Exception | UnsupportedOperationException notSupported) {
            // a store without versioning (S3Proxy's filesystem backend): the objects are gone already
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> describe(Store store) {
        Class<?> registry = Registry.class;
        ClassLoader system = ClassLoader.getSystemClassLoader();
        if (Registry.class.getClassLoader() != system) {
            try {
                registry = Class.forName(Registry.class.getName(), true, system);
            } catch (ClassNotFoundException notOnTheSystemClassPath) {
                // a runner that does not put test classes on the class path: one registry per class loader
            }
        }
        try {
            return (Map<String, String>) registry.getMethod("describe", String.class).invoke(null, store.name());
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach the shared S3 server registry", e);
        }
    }

    /** A shared server as seen from one class loader. */
    private record View(Store store, URI endpoint, String accessKey, String secretKey, String region, Path logFile,
                        List<Long> pids) implements S3Server {

        @Override
        public void close() {
            // shared: stopped by the registry's shutdown hook
        }

        @Override
        public String toString() {
            return "shared " + store + "@" + endpoint;
        }
    }

    /**
     * The servers themselves; used through the system class loader's copy only (see the class comment). Public for
     * reflection; exchanges JDK types only.
     */
    public static final class Registry {

        private static final Map<Store, Map<String, String>> SERVERS = new EnumMap<>(Store.class);
        private static final List<S3Server> RUNNING = new ArrayList<>();
        private static boolean hooked;

        private Registry() {
        }

        /** The server of {@code store} (started now if needed) as a map: endpoint, keys, region, logFile, or error. */
        public static synchronized Map<String, String> describe(String storeName) {
            Store store = Store.valueOf(storeName);
            Map<String, String> known = SERVERS.get(store);
            if (known != null) {
                return known;
            }
            if (!hooked) {
                Runtime.getRuntime().addShutdownHook(new Thread(Registry::stopAll, "shared-s3-servers-reaper"));
                hooked = true;
            }
            Optional<ProcessHandle> build = mavenBuild();
            Map<String, String> frozen = Map.copyOf(build.isPresent() ? startOrJoin(store, build.get())
                    : start(store, ProcessHandle.current()));
            SERVERS.put(store, frozen);
            return frozen;
        }

        /** Starts a server that lives as long as {@code owner}: this JVM, or the Maven build (then not stopped here). */
        private static Map<String, String> start(Store store, ProcessHandle owner) {
            Map<String, String> d = new HashMap<>();
            long t0 = System.nanoTime();
            boolean own = owner.pid() == ProcessHandle.current().pid();
            try {
                S3Server server;
                if (store == Store.CEPH_RGW) {
                    server = CephRgw.start(owner.pid());
                } else {
                    S3ServerProcess process = S3ServerProcess.start(store.processKind());
                    server = own ? process : process.stopWhenGone(owner.pid());
                }
                if (own) {
                    RUNNING.add(server);
                }
                d.put("endpoint", server.endpoint().toString());
                d.put("accessKey", server.accessKey());
                d.put("secretKey", server.secretKey());
                d.put("region", server.region());
                d.put("logFile", server.logFile().toString());
                d.put("pids", server.pids().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")));
                d.put("owner", ownerId(owner));
                record(store + " " + server.endpoint() + " started in " + (System.nanoTime() - t0) / 1_000_000 + " ms"
                        + (own ? "" : " for the build (pid " + owner.pid() + ")"));
            } catch (RuntimeException e) {
                d.put("error", String.valueOf(e.getMessage()));
                record(store + " FAILED to start: " + e.getMessage().lines().findFirst().orElse(""));
            }
            return d;
        }

        /**
         * Under Maven, one server of a store for the whole build: the surefire JVMs and the failsafe JVM each need
         * the same servers, and each start costs seconds of CPU (S3Mock's JIT warm-up again, a Ceph cluster again).
         * The first JVM to need it starts it under a file lock in {@code target/shared-s3-servers/} and records it
         * there; the others find the record (same build, every process alive) and use it. The server lives until the
         * Maven process exits. Buckets keep the JVMs apart: fixed bucket names are scoped to their JVM
         * ({@link #jvmScoped}), every other test makes a fresh bucket.
         */
        private static Map<String, String> startOrJoin(Store store, ProcessHandle build) {
            try {
                Path dir = Files.createDirectories(targetDir().resolve("shared-s3-servers"));
                Path record = dir.resolve(store.name() + ".properties");
                try (FileChannel lockFile = FileChannel.open(dir.resolve(store.name() + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = lockFile.lock()) {
                    Optional<Map<String, String>> running = readRunning(record, ownerId(build));
                    if (running.isPresent()) {
                        record(store + " " + running.get().get("endpoint") + " shared with the build (pid "
                                + build.pid() + ")");
                        return running.get();
                    }
                    Map<String, String> d = start(store, build);
                    if (!d.containsKey("error")) {
                        Properties p = new Properties();
                        p.putAll(d);
                        Path tmp = dir.resolve(store.name() + ".properties.tmp");
                        try (var out = Files.newOutputStream(tmp)) {
                            p.store(out, "a shared test server of the Maven build; see SharedS3Servers");
                        }
                        Files.move(tmp, record, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    }
                    return d;
                }
            } catch (IOException e) {
                record(store + " cannot share with the build (" + e + "); starting one for this JVM");
                return start(store, ProcessHandle.current());
            }
        }

        /** The recorded server if it was started for this build and all its processes are alive. */
        private static Optional<Map<String, String>> readRunning(Path record, String owner) throws IOException {
            if (!Files.isRegularFile(record)) {
                return Optional.empty();
            }
            Properties p = new Properties();
            try (var in = Files.newInputStream(record)) {
                p.load(in);
            }
            Map<String, String> d = new HashMap<>();
            p.stringPropertyNames().forEach(k -> d.put(k, p.getProperty(k)));
            boolean alive = !d.getOrDefault("pids", "").isEmpty() && java.util.Arrays.stream(d.get("pids").split(","))
                    .allMatch(pid -> ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false));
            return owner.equals(d.get("owner")) && alive ? Optional.of(d) : Optional.empty();
        }

        /** The Maven process this JVM descends from (surefire and failsafe fork their JVMs from it), if any. */
        private static Optional<ProcessHandle> mavenBuild() {
            if (Boolean.getBoolean("chutetest.servers-per-jvm")) {
                return Optional.empty();
            }
            for (Optional<ProcessHandle> p = ProcessHandle.current().parent(); p.isPresent(); p = p.get().parent()) {
                String command = p.get().info().commandLine().orElse("");
                if (command.contains("org.codehaus.plexus.classworlds.launcher.Launcher")) {
                    return p;
                }
            }
            return Optional.empty();
        }

        /** A process's pid and start time: a reused pid is not the same owner. */
        private static String ownerId(ProcessHandle process) {
            return process.pid() + "@" + process.info().startInstant().map(Instant::toString).orElse("?");
        }

        private static Path targetDir() {
            return Path.of(System.getProperty(S3ServerProcess.SERVERS_DIR_PROPERTY, "target/s3-servers"))
                    .toAbsolutePath().getParent();
        }

        private static synchronized void stopAll() {
            RUNNING.forEach(S3Server::close);
            RUNNING.clear();
        }

        private static void record(String line) {
            String text = Instant.now() + " jvm=" + ProcessHandle.current().pid() + " " + line;
            System.out.println("[shared-s3-servers] " + text);
            try {
                String servers = System.getProperty(S3ServerProcess.SERVERS_DIR_PROPERTY, "target/s3-servers");
                Path log = Files.createDirectories(Path.of(servers).toAbsolutePath().getParent().resolve("s3-server-logs"))
                        .resolve("shared-starts.log");
                Files.writeString(log, text + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException ignored) {
                // the line went to stdout
            }
        }
    }
}
