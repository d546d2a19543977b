package io.chute.engine;

import io.chute.checkpoint.InstallationKey;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.completion.Completion;
import io.chute.completion.ReceiptStore;
import io.chute.config.BandwidthSchedule;
import io.chute.config.ChuteConfig;
import io.chute.config.DropRule;
import io.chute.config.S3Connection;
import io.chute.multipart.AdaptiveGate;
import io.chute.multipart.ByteBudget;
import io.chute.multipart.FlowControl;
import io.chute.multipart.FlowLimits;
import io.chute.multipart.PartPlan;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.TransferListener;
import io.chute.s3.EndpointProbe;
import io.chute.s3.S3ClientFactory;
import io.chute.throttle.BandwidthLimiter;
import io.chute.upload.FileUploader;
import io.chute.upload.KeyClaims;
import io.chute.upload.OrphanJanitor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The upload engine built from {@code chute.*} exactly once per process, for the daemon and
 * for the one-shot commands alike: state dir, sidecars, ledger, completion, part executor, and per S3
 * connection a client, the multipart engine and the file uploader. The one place that wires them, so
 * {@code chute upload} cannot drift from what the daemon does. Rules with equal effective connections
 * ({@link S3Connection}) share one client; the part executor (sized to the sum of the lanes' parts ceilings),
 * the byte budget ({@code bytes-in-flight}) and the bandwidth cap ({@code chute.upload.bandwidth}, one
 * {@link BandwidthLimiter}) are shared by all, while each lane adapts its own part and file limits to its
 * endpoint within the ceilings of {@link FlowLimits}.
 * {@link #close} stops the part threads and closes every client.
 */
public final class UploadEngine implements AutoCloseable {

    /**
     * What one S3 connection owns: its client, multipart engine, file uploader, endpoint id, and its flow control
     * (adaptive part and file gates fed by its client's responses; the byte budget is the process's).
     */
    public record Lane(S3Connection connection, S3Client s3, ObjectUploader objects, FileUploader files,
                       String endpointId, FlowControl flow) {
    }

    private final Path stateDir;
    private final SidecarStore sidecars;
    private final UploadLedger ledger;
    private final Completion completion;
    private final ExecutorService partExecutor;
    private final BandwidthLimiter bandwidth;
    private final Map<S3Connection, Lane> lanes = new LinkedHashMap<>();
    private final Map<String, Lane> byRule = new HashMap<>();
    private final Lane global;
    private final Clock clock;

    private UploadEngine(ChuteConfig config, List<ChuteConfig.Rule> rules, TransferListener listener, Clock clock,
                         Consumer<RuntimeException> onCredentialFailure, Thread.UncaughtExceptionHandler onDeath)
            throws IOException {
        this.clock = clock;
        stateDir = config.stateDir().toAbsolutePath().normalize();
        sidecars = new SidecarStore(InstallationKey.loadOrCreate(stateDir), clock,
                config.sidecars() == ChuteConfig.SidecarLocation.STATE_DIR ? stateDir.resolve("sidecars") : null,
                stateDir.resolve("sidecars-displaced"));
        ledger = new UploadLedger(stateDir, clock);
        completion = new Completion(new ReceiptStore(stateDir), sidecars, stateDir, clock);
        KeyClaims claims = new KeyClaims(clock); // one register for every rule and connection
        // Local time of day for the timetable: the system default zone (TZ, -Duser.timezone).
        bandwidth = BandwidthLimiter.of(BandwidthSchedule.from(config.upload()), clock.withZone(ZoneId.systemDefault()));
        ChuteConfig.Upload upload = config.upload();
        S3Connection globalConnection = S3Connection.of(config.s3());
        Map<S3Connection, FlowLimits> limits = limitsByConnection(config, rules);
        // Parts hold their permit before they are submitted, so the threads never need to outnumber the permits.
        partExecutor = Executors.newFixedThreadPool(limits.values().stream().mapToInt(FlowLimits::partsMax).sum(),
                named("chute-part-", onDeath));
        ByteBudget bytes = new ByteBudget(upload.bytesInFlight().asLongValue());
        Function<S3Connection, Lane> open = connection -> {
            FlowLimits l = limits.get(connection);
            FlowControl flow = new FlowControl(
                    AdaptiveGate.of(l.partsInitial(), l.partsMax(), upload.adaptive(), clock),
                    AdaptiveGate.ignoringLatency(l.filesInitial(), l.filesMax(), upload.adaptive(), clock),
                    bytes);
            S3Client s3 = S3ClientFactory.build(connection, onCredentialFailure, flow::responded);
            ObjectUploader objects = new ObjectUploader(s3, partExecutor,
                    upload.multipartThreshold().asLongValue(),
                    upload.partSize().map(m -> m.asLongValue()).orElse(0L), connection.maxParts(),
                    connection.fullObjectChecksum(), listener, flow, bandwidth);
            String endpointId = connection.endpointId();
            return new Lane(connection, s3, objects,
                    new FileUploader(objects, sidecars, ledger, completion, endpointId, clock, claims), endpointId, flow);
        };
        global = lanes.computeIfAbsent(globalConnection, open);
        for (ChuteConfig.Rule rule : rules) {
            byRule.put(rule.name(), lanes.computeIfAbsent(S3Connection.of(config.s3(), rule.s3()), open));
        }
    }

    /** The flow limits of each distinct connection: the global one first, then each rule's. */
    private static Map<S3Connection, FlowLimits> limitsByConnection(ChuteConfig config, List<ChuteConfig.Rule> rules) {
        Map<S3Connection, FlowLimits> limits = new LinkedHashMap<>();
        S3Connection global = S3Connection.of(config.s3());
        limits.put(global, limitsOf(config.upload(), global));
        for (ChuteConfig.Rule rule : rules) {
            S3Connection connection = S3Connection.of(config.s3(), rule.s3());
            limits.putIfAbsent(connection, limitsOf(config.upload(), connection));
        }
        return limits;
    }

    private static FlowLimits limitsOf(ChuteConfig.Upload upload, S3Connection connection) {
        return FlowLimits.of(upload.workers(), upload.partsInFlight(), upload.adaptive(), connection.maxConnections(),
                upload.bytesInFlight().asLongValue(),
                upload.partSize().map(m -> m.asLongValue()).orElse(PartPlan.DEFAULT_PART_BYTES));
    }

    /**
     * How many files may be in flight at once across all lanes (the sum of their files ceilings): the uploader
     * pool's size, so that no lane's limit is ever starved of threads by another's.
     */
    public int fileSlots() {
        return lanes.values().stream().mapToInt(lane -> lane.flow().files().max()).sum();
    }

    /**
     * Runs the endpoint probe for {@code bucket} of the global connection on a thread of its own. Once it shows
     * that the endpoint checks and reports CRC32C, parts not yet read go without an MD5 (a second digest pass
     * over every byte that the CRC32C already proves); parts read before the answer carry both, which
     * verification accepts either way. Never fails: a failed probe leaves MD5 on. Join it before {@link #close}
     * so that its objects are deleted while the client is open.
     */
    public CompletableFuture<Void> probeInBackground(String bucket) {
        return CompletableFuture.runAsync(() -> {
            EndpointProbe.Guarantees g = EndpointProbe.probe(global.s3(), bucket);
            if (g.crc32cChecksums()) {
                global.objects().trustPutChecksums(bucket);
            }
            if (g.conditionalWrites() && !g.conditionalComplete()) {
                global.objects().headBeforeComplete(bucket);
            }
        }, task -> named("chute-probe-", LOG_DEATH).newThread(task).start());
    }

    /** The engine of the global connection {@code chute.s3} only (the one-shot commands). */
    public static UploadEngine open(ChuteConfig config, TransferListener listener, Clock clock) throws IOException {
        return new UploadEngine(config, List.of(), listener, clock, failure -> { }, LOG_DEATH);
    }

    /**
     * The engine of every rule's connection (the daemon); {@code onCredentialFailure} is called each time a
     * client's credentials provider cannot resolve credentials.
     */
    public static UploadEngine forRules(ChuteConfig config, TransferListener listener, Clock clock,
                                        Consumer<RuntimeException> onCredentialFailure) throws IOException {
        return forRules(config, listener, clock, onCredentialFailure, LOG_DEATH);
    }

    /** As above; {@code onDeath} handles whatever kills a part thread (the daemon latches it as fatal). */
    public static UploadEngine forRules(ChuteConfig config, TransferListener listener, Clock clock,
                                        Consumer<RuntimeException> onCredentialFailure,
                                        Thread.UncaughtExceptionHandler onDeath) throws IOException {
        return new UploadEngine(config, config.rules(), listener, clock, onCredentialFailure, onDeath);
    }

    private static final Thread.UncaughtExceptionHandler LOG_DEATH = (thread, error) ->
            org.jboss.logging.Logger.getLogger(UploadEngine.class).error("thread " + thread.getName() + " died", error);

    /** A janitor for the global connection's orphaned uploads; {@code inFlight} names files being uploaded now. */
    public OrphanJanitor janitor(Predicate<Path> inFlight, Duration ttl, Runnable onAbort) {
        return janitor(global, inFlight, ttl, onAbort);
    }

    /**
     * One janitor per connection, each aborting only ledger entries of its own endpoint id (and so through a
     * client of that endpoint). Connections that share an endpoint but not credentials each try the entries of
     * that endpoint; an abort the credentials do not allow is logged and left to the other.
     */
    public List<OrphanJanitor> janitors(Predicate<Path> inFlight, Duration ttl, Runnable onAbort) {
        return lanes.values().stream().map(lane -> janitor(lane, inFlight, ttl, onAbort)).toList();
    }

    private OrphanJanitor janitor(Lane lane, Predicate<Path> inFlight, Duration ttl, Runnable onAbort) {
        return new OrphanJanitor(ledger, sidecars, lane.objects(), lane.endpointId(), inFlight, clock, ttl, onAbort);
    }

    /** The lane of a rule of {@link #forRules}; the global lane for any other rule (one-shot uploads). */
    public Lane lane(DropRule rule) {
        return byRule.getOrDefault(rule.name(), global);
    }

    /** Every distinct connection's lane, the global one first. */
    public Collection<Lane> lanes() {
        return List.copyOf(lanes.values());
    }

    /** The flow control of every lane, grouped by endpoint id (lanes of one endpoint with other credentials). */
    public Map<String, List<FlowControl>> lanesByEndpoint() {
        Map<String, List<FlowControl>> byEndpoint = new LinkedHashMap<>();
        for (Lane lane : lanes.values()) {
            byEndpoint.computeIfAbsent(lane.endpointId(), e -> new java.util.ArrayList<>()).add(lane.flow());
        }
        return byEndpoint;
    }

    /** The one bandwidth cap every lane's request bodies draw from. */
    public BandwidthLimiter bandwidth() {
        return bandwidth;
    }

    /** This installation's record of the multipart uploads it created ({@code <state-dir>/uploads.ledger}). */
    public UploadLedger ledger() {
        return ledger;
    }

    /** The global connection's endpoint id, as the ledger and sidecars record it. */
    public String endpointId() {
        return global.endpointId();
    }

    /**
     * A presigner of the global connection {@code chute.s3} (same endpoint, region, path-style, credentials as
     * {@link #s3()}); the caller closes it.
     */
    public S3Presigner presigner() {
        return S3ClientFactory.presigner(global.connection());
    }

    public Path stateDir() {
        return stateDir;
    }

    public SidecarStore sidecars() {
        return sidecars;
    }

    public Completion completion() {
        return completion;
    }

    /** The global connection's client. */
    public S3Client s3() {
        return global.s3();
    }

    /** The global connection's multipart engine (PutObject / multipart, verification, abort). */
    public ObjectUploader objects() {
        return global.objects();
    }

    /** The global connection's uploader: one attempt to store one file, with checkpoints and the upload ledger. */
    public FileUploader files() {
        return global.files();
    }

    /** Lets parts still being sent finish for up to a second, then stops the part threads; closes the clients. */
    @Override
    public void close() {
        partExecutor.shutdown();
        try {
            if (!partExecutor.awaitTermination(1, TimeUnit.SECONDS)) {
                partExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            partExecutor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        lanes.values().forEach(lane -> lane.s3().close());
    }

    static ThreadFactory named(String prefix, Thread.UncaughtExceptionHandler onDeath) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.getAndIncrement());
            t.setDaemon(true);
            t.setUncaughtExceptionHandler(onDeath);
            return t;
        };
    }
}
