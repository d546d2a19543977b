package io.chute;

import io.chute.checkpoint.InstallationKey;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.completion.Completion;
import io.chute.completion.ReceiptStore;
import io.chute.config.ChuteConfig;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.TransferListener;
import io.chute.s3.S3ClientFactory;
import io.chute.upload.FileUploader;
import io.chute.upload.OrphanJanitor;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The upload engine built from {@code chute.*} exactly once per process, for the daemon ({@link Pipeline}) and
 * for the one-shot commands alike: state dir, sidecars, ledger, completion, S3 client, part executor, the
 * multipart engine and the file uploader. The one place that wires them, so {@code chute upload} cannot drift
 * from what the daemon does. {@link #close} stops the part threads and closes the S3 client.
 */
public final class UploadEngine implements AutoCloseable {

    private final Path stateDir;
    private final SidecarStore sidecars;
    private final UploadLedger ledger;
    private final Completion completion;
    private final S3Client s3;
    private final ExecutorService partExecutor;
    private final ObjectUploader objects;
    private final String endpointId;
    private final FileUploader files;
    private final Clock clock;

    private UploadEngine(ChuteConfig config, TransferListener listener, Clock clock) throws IOException {
        this.clock = clock;
        stateDir = config.stateDir().toAbsolutePath().normalize();
        sidecars = new SidecarStore(InstallationKey.loadOrCreate(stateDir), clock,
                config.sidecars() == ChuteConfig.SidecarLocation.STATE_DIR ? stateDir.resolve("sidecars") : null);
        ledger = new UploadLedger(stateDir, clock);
        completion = new Completion(new ReceiptStore(stateDir), sidecars, stateDir, clock);
        s3 = S3ClientFactory.build(config.s3());
        partExecutor = Executors.newFixedThreadPool(config.upload().partsInFlight(), named("chute-part-"));
        objects = new ObjectUploader(s3, partExecutor, config.upload().multipartThreshold().asLongValue(),
                config.upload().partSize().map(m -> m.asLongValue()).orElse(0L), config.s3().maxParts(),
                config.s3().fullObjectChecksum(), listener);
        endpointId = S3ClientFactory.endpointId(config.s3());
        files = new FileUploader(objects, sidecars, ledger, completion, endpointId, clock);
    }

    /** Builds the engine; {@code listener} receives the progress of every upload. */
    public static UploadEngine open(ChuteConfig config, TransferListener listener, Clock clock) throws IOException {
        return new UploadEngine(config, listener, clock);
    }

    /** A janitor for this installation's orphaned uploads; {@code inFlight} names files being uploaded now. */
    public OrphanJanitor janitor(Predicate<Path> inFlight, Duration ttl, Runnable onAbort) {
        return new OrphanJanitor(ledger, sidecars, objects, endpointId, inFlight, clock, ttl, onAbort);
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

    public S3Client s3() {
        return s3;
    }

    /** The multipart engine (PutObject / multipart, verification, abort). */
    public ObjectUploader objects() {
        return objects;
    }

    /** One attempt to store one file, with checkpoints and the upload ledger. */
    public FileUploader files() {
        return files;
    }

    /** Lets parts still being sent finish for up to a second, then stops the part threads; closes the client. */
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
        s3.close();
    }

    static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }
}
