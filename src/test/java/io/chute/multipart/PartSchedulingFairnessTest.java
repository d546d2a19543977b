package io.chute.multipart;

import io.chute.stability.FileIdentity;
import io.chute.throttle.BandwidthLimiter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the multipart engine schedules parts when several large files upload at once: permits are taken before a
 * part is submitted, so the part executor's queue stays bounded by the part limit and files take turns. The
 * S3 client here is a recording fake (this is a unit test of the scheduling in one class; the engine's requests
 * are tested against real servers elsewhere): it answers at once and remembers the order of UploadPart calls.
 */
class PartSchedulingFairnessTest {

    private static final long MIB = 1024 * 1024;
    private static final int PARTS = 200;
    private static final int PART_LIMIT = 4;

    @TempDir
    Path folder;

    private final ExecutorService partExecutor = Executors.newFixedThreadPool(PART_LIMIT);
    private final ExecutorService uploaders = Executors.newFixedThreadPool(2);
    private final List<String> partOrder = new CopyOnWriteArrayList<>();
    private final AtomicInteger maxQueued = new AtomicInteger();

    @AfterEach
    void stop() {
        partExecutor.shutdownNow();
        uploaders.shutdownNow();
    }

    @Test
    void twoFilesOfTwoHundredPartsEach_interleaveFromTheStart_withABoundedPartQueue() throws Exception {
        FlowControl flow = new FlowControl(AdaptiveGate.of(PART_LIMIT, false, Clock.systemUTC()),
                AdaptiveGate.of(2, false, Clock.systemUTC()), ByteBudget.unlimited());
        ObjectUploader objects = new ObjectUploader(new RecordingS3(), partExecutor, 5 * MIB, 5 * MIB, 10_000,
                true, TransferListener.NONE, flow, BandwidthLimiter.UNLIMITED);
        objects.trustPutChecksums("bucket"); // no MD5 of 2 GB of zeros: the scheduling is under test, not digests

        Future<ObjectProof> a = uploaders.submit(() -> upload(objects, "a"));
        while (partOrder.isEmpty()) {
            Thread.sleep(1); // b starts once a is sending: b must not wait behind all of a's parts
        }
        Future<ObjectProof> b = uploaders.submit(() -> upload(objects, "b"));
        assertThat(a.get().sizeInBytes()).isEqualTo(PARTS * 5 * MIB);
        assertThat(b.get().sizeInBytes()).isEqualTo(PARTS * 5 * MIB);

        assertThat(partOrder).hasSize(2 * PARTS);
        List<String> first = partOrder.subList(0, 40);
        assertThat(first.stream().filter(p -> p.startsWith("a")).count()).as("file a among the first 40 parts: %s", first)
                .isBetween(10L, 30L);
        assertThat(first.stream().filter(p -> p.startsWith("b")).count()).as("file b among the first 40 parts: %s", first)
                .isBetween(10L, 30L);
        assertThat(maxQueued.get()).as("parts waiting in the executor's queue never exceed the part limit")
                .isLessThanOrEqualTo(PART_LIMIT);
    }

    private ObjectProof upload(ObjectUploader objects, String name) throws Exception {
        Path file = folder.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(PARTS * 5 * MIB); // sparse: nothing is written or read from disk
        }
        ObjectRequest request = new ObjectRequest(file, FileIdentity.of(file), "bucket", name,
                ObjectOptions.DEFAULTS);
        return objects.upload(request, UploadJournal.NONE, Optional.empty());
    }

    /** Answers multipart calls at once; HeadObject echoes what Complete stated, so verification passes. */
    private final class RecordingS3 implements S3Client {
        private final Map<String, Long> sizes = new ConcurrentHashMap<>();
        private final Map<String, String> fullObjectCrc = new ConcurrentHashMap<>();

        @Override
        public CreateMultipartUploadResponse createMultipartUpload(CreateMultipartUploadRequest request) {
            return CreateMultipartUploadResponse.builder().uploadId("u-" + request.key()).build();
        }

        @Override
        public UploadPartResponse uploadPart(UploadPartRequest request, RequestBody body) {
            int queued = ((ThreadPoolExecutor) partExecutor).getQueue().size();
            maxQueued.accumulateAndGet(queued, Math::max);
            partOrder.add(request.key() + request.partNumber());
            sizes.merge(request.key(), request.contentLength(), Long::sum);
            try {
                Thread.sleep(2); // a send takes a moment, so waiters queue up behind the permits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return UploadPartResponse.builder().eTag("\"e" + request.partNumber() + "\"").build();
        }

        @Override
        public CompleteMultipartUploadResponse completeMultipartUpload(CompleteMultipartUploadRequest request) {
            fullObjectCrc.put(request.key(), request.checksumCRC32C());
            return CompleteMultipartUploadResponse.builder().build();
        }

        @Override
        public HeadObjectResponse headObject(HeadObjectRequest request) {
            return HeadObjectResponse.builder().contentLength(sizes.get(request.key()))
                    .checksumCRC32C(fullObjectCrc.get(request.key())).build();
        }

        @Override
        public String serviceName() {
            return "s3";
        }

        @Override
        public void close() {
        }
    }
}
