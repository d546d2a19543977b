package io.chute.multipart;

import io.chute.faults.CrashPoint;
import io.chute.stability.FileIdentity;
import io.chute.throttle.BandwidthLimiter;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stores one file as one object: PutObject below the multipart threshold, otherwise a multipart upload whose
 * parts run in parallel on the shared part executor. Every part carries its CRC32C and MD5; the source is
 * re-checked after each read; HeadObject confirms size and checksum before a proof is returned, except for a
 * PutObject to a bucket whose endpoint was shown to check checksums (see {@link #trustPutChecksums}).
 * <p>
 * Errors propagate as thrown: {@link SourceChangedException}, {@link VerificationFailedException}, SDK
 * exceptions, {@link IOException}; the upload stage classifies them. Nothing here aborts an upload on failure:
 * the checkpoint lets the next attempt resume it.
 */
public final class ObjectUploader {

    private static final Logger LOG = Logger.getLogger(ObjectUploader.class);

    private final S3Client s3;
    private final ExecutorService partExecutor;
    private final long multipartThresholdInBytes;
    private final long configuredPartSizeInBytes;
    private final int maxParts;
    private final TransferListener listener;
    private final ObjectVerifier verifier;
    private final NoOverwrite noOverwrite;
    private final boolean fullObjectChecksum;
    private final Set<String> checksumCheckingBuckets = ConcurrentHashMap.newKeySet();
    private final Set<String> bucketsDroppingMultipartTags = ConcurrentHashMap.newKeySet();
    private final Set<String> headBeforeCompleteBuckets = ConcurrentHashMap.newKeySet();
    private final Set<String> bucketsWithoutTagReads = ConcurrentHashMap.newKeySet();
    private final FlowControl flow;
    private final BandwidthLimiter bandwidth;
    private volatile boolean stopping;

    /** An engine without limits beyond its part executor (tests of this class). */
    public ObjectUploader(S3Client s3, ExecutorService partExecutor, long multipartThresholdInBytes,
                          long configuredPartSizeInBytes, int maxParts, boolean fullObjectChecksum,
                          TransferListener listener) {
        this(s3, partExecutor, multipartThresholdInBytes, configuredPartSizeInBytes, maxParts, fullObjectChecksum,
                listener, FlowControl.unlimited(), BandwidthLimiter.UNLIMITED);
    }

    /** An engine whose parts and PutObject bodies go through {@code flow}'s part gate and byte budget. */
    public ObjectUploader(S3Client s3, ExecutorService partExecutor, long multipartThresholdInBytes,
                          long configuredPartSizeInBytes, int maxParts, boolean fullObjectChecksum,
                          TransferListener listener, FlowControl flow) {
        this(s3, partExecutor, multipartThresholdInBytes, configuredPartSizeInBytes, maxParts, fullObjectChecksum,
                listener, flow, BandwidthLimiter.UNLIMITED);
    }

    /**
     * An engine whose parts and PutObject bodies go through {@code flow}'s part gate and byte budget, and whose
     * request bodies are throttled by {@code bandwidth} (shared with the other lanes' uploaders).
     */
    public ObjectUploader(S3Client s3, ExecutorService partExecutor, long multipartThresholdInBytes,
                          long configuredPartSizeInBytes, int maxParts, boolean fullObjectChecksum,
                          TransferListener listener, FlowControl flow, BandwidthLimiter bandwidth) {
        this.flow = flow;
        this.bandwidth = bandwidth;
        this.fullObjectChecksum = fullObjectChecksum;
        this.s3 = s3;
        this.partExecutor = partExecutor;
        this.multipartThresholdInBytes = multipartThresholdInBytes;
        this.configuredPartSizeInBytes = configuredPartSizeInBytes;
        this.maxParts = maxParts;
        this.listener = listener;
        this.verifier = new ObjectVerifier(s3);
        this.noOverwrite = new NoOverwrite(verifier, new ObjectIdentity(s3, verifier, ObjectIdentity.READ_BACK_LIMIT));
    }

    /**
     * Stops starting new parts (SIGTERM): parts already being sent finish and are checkpointed, the uploads
     * they belong to end with {@link InterruptedException} and resume on the next start. Nothing is aborted.
     */
    public void stopStartingParts() {
        stopping = true;
    }

    /**
     * {@code bucket}'s endpoint was shown (by the startup probe) to refuse a body whose CRC32C differs from the
     * one sent and to report CRC32C on HeadObject. From now on, for that bucket: a PutObject is proven by its own
     * response instead of a HeadObject read-back, since a 200 that echoes the CRC32C Chute computed over the file
     * means S3 stored exactly {@code Content-Length} bytes with that checksum (a response without the echo still
     * falls back to HeadObject; multipart uploads are always read back); and no MD5 is computed or sent, since
     * the CRC32C is checked on every request and verified on the stored object.
     */
    public void trustPutChecksums(String bucket) {
        checksumCheckingBuckets.add(bucket);
    }

    /**
     * {@code bucket}'s endpoint ignores {@code If-None-Match: *} on CompleteMultipartUpload (the endpoint probe
     * showed it: Ceph RGW 16). From now on a no-overwrite multipart upload to it reads the key with HeadObject just
     * before Complete and does not complete over an object found there (it is compared with the file instead).
     * The remaining race: an object stored between that HeadObject and the Complete is overwritten.
     */
    public void headBeforeComplete(String bucket) {
        headBeforeCompleteBuckets.add(bucket);
    }

    /** Whether a file of this size goes through multipart upload (and so through a checkpoint). */
    public boolean usesMultipart(long sizeInBytes) {
        return sizeInBytes >= multipartThresholdInBytes;
    }

    /**
     * How this uploader cuts a file of this size when asked for parts of {@code partSizeInBytes} (0: the
     * configured size): the size is raised where the part-count cap requires it, exactly as a resume checks it.
     */
    public PartPlan plan(long sizeInBytes, long partSizeInBytes) {
        return PartPlan.of(sizeInBytes, partSizeInBytes > 0 ? partSizeInBytes : configuredPartSizeInBytes, maxParts);
    }

    /**
     * The object already stored under the request's key if it holds exactly this file: HeadObject, then (only when
     * the sizes agree) the file's CRC32C or MD5 against what S3 reports. Settles a file that was uploaded and
     * verified but whose receipt could not be written, so it is not uploaded a second time.
     */
    public Optional<ObjectProof> alreadyStored(ObjectRequest request) throws IOException {
        Optional<software.amazon.awssdk.services.s3.model.HeadObjectResponse> head = verifier.head(request);
        if (head.isEmpty()) {
            return Optional.empty();
        }
        long size = request.identity().sizeInBytes();
        try (FileChannel channel = request.source().open(request.file(), request.identity())) {
            return verifier.existing(request, channel, PartPlan.of(size, configuredPartSizeInBytes, maxParts),
                    head.get());
        }
    }

    /**
     * HeadBucket: a request without any object's headers, to tell a file whose own request the store refuses
     * from credentials the store refuses altogether. Throws the SDK's exception when it fails.
     */
    public void headBucket(String bucket, String expectedBucketOwner) {
        s3.headBucket(b -> b.bucket(bucket).expectedBucketOwner(expectedBucketOwner));
    }

    /**
     * Writes a tiny object with {@code options} under {@code key} and deletes it again: proof that this rule's
     * writes are accepted (permissions, storage class, SSE, tags). Throws the SDK's exception when the write is
     * refused; a refused delete only warns (credentials that may write but not delete leave the probe object).
     */
    public void probeWrite(String bucket, String key, ObjectOptions options) {
        try (ProbeObject probe = probeObject(bucket, key, options)) {
            probe.put();
        }
    }

    /** A probe object under {@code key} written with {@code options} through this uploader's client (see there). */
    public ProbeObject probeObject(String bucket, String key, ObjectOptions options) {
        return new ProbeObject(s3, bucket, key, options);
    }

    /** Uploads and verifies; {@code resume} continues a checkpointed multipart upload. */
    public ObjectProof upload(ObjectRequest request, UploadJournal journal, Optional<ResumePoint> resume)
            throws IOException, InterruptedException {
        long size = request.identity().sizeInBytes();
        if (resume.isEmpty() && !usesMultipart(size) && size <= PartDigest.WHOLE_BODY_MAX_BYTES) {
            // A body that fits the digest buffer is read once, with the file's identity checked before the open
            // and after the read, and sent from memory: the bytes sent are the bytes checksummed
            PartDigest.Whole whole = request.source().read(request.file(), request.identity(),
                    channel -> PartDigest.ofWhole(channel, (int) size, needsMd5(request)));
            return putObject(request, whole.digest(), whole, null);
        }
        try (FileChannel channel = request.source().open(request.file(), request.identity())) {
            if (resume.isEmpty() && !usesMultipart(size)) {
                // a larger one is read again from the file while it is sent
                PartDigest digest = PartDigest.of(channel, 0, size, needsMd5(request));
                ensureUnchanged(request);
                return putObject(request, digest, null, channel);
            }
            return multipart(request, channel, journal, resume);
        }
    }

    /** One PutObject of {@code whole}'s bytes, else of the file's bytes read from {@code channel} while sent. */
    private ObjectProof putObject(ObjectRequest request, PartDigest digest, PartDigest.Whole whole, FileChannel channel)
            throws IOException, InterruptedException {
        if (stopping) {
            throw new InterruptedException("shutting down");
        }
        long size = request.identity().sizeInBytes();
        listener.planned(new TransferListener.Plan(request.file(), request.bucket(), request.key(), null, size,
                1, 0, 0));
        PutObjectRequest put = request.options().applyTo(PutObjectRequest.builder())
                .bucket(request.bucket()).key(request.key()).contentLength(size)
                .checksumCRC32C(digest.crc32cBase64()).contentMD5(digest.md5Base64())
                .build();
        PutObjectResponse response = null;
        for (int attempt = 1; response == null; attempt++) {
            try (FlowControl.Permit permit = flow.sendObject(size)) {
                response = s3.putObject(put, RequestBody.fromContentProvider(() -> whole != null
                        ? bandwidth.throttle(new java.io.ByteArrayInputStream(whole.bytes())) : body(channel, 0, size),
                        size, request.options().contentTypeOrDefault()));
                permit.sent();
            } catch (S3Exception e) {
                if (!NoOverwrite.isPreconditionFailed(e)) {
                    throw e;
                }
                Optional<ObjectProof> stored = afterRefused(request, channel, size);
                if (stored.isPresent()) {
                    return stored.get();
                }
                if (attempt == 2) {
                    throw e; // 412 twice with the key free: a later attempt (RetryLater) tries again
                }
            }
        }
        listener.bytesSent(request.file(), size);
        ensureUnchanged(request);
        listener.verifying(request.file());
        if (checksumCheckingBuckets.contains(request.bucket()) && digest.crc32cBase64().equals(response.checksumCRC32C())) {
            return new ObjectProof(request.bucket(), request.key(), size, ObjectVerifier.unquote(response.eTag()),
                    response.checksumCRC32C(), ObjectProof.PUT_RESPONSE_CRC32C);
        }
        return verifier.verify(request, List.of(digest), false, null);
    }

    /** A PutObject refused with 412: the stored object settles it if it is this file (read through the folder). */
    private Optional<ObjectProof> afterRefused(ObjectRequest request, FileChannel channel, long size)
            throws IOException {
        PartPlan plan = PartPlan.of(size, configuredPartSizeInBytes, maxParts);
        if (channel != null) {
            return noOverwrite.afterRefused(request, channel, plan, "PutObject");
        }
        try (FileChannel reopened = request.source().open(request.file(), request.identity())) {
            return noOverwrite.afterRefused(request, reopened, plan, "PutObject");
        }
    }

    private ObjectProof multipart(ObjectRequest request, FileChannel channel, UploadJournal journal,
                                  Optional<ResumePoint> resume) throws IOException, InterruptedException {
        long size = request.identity().sizeInBytes();
        SortedMap<Integer, CompletedPart> done = new ConcurrentSkipListMap<>();
        MultipartSession session = null;
        if (resume.isPresent()) {
            Resumed resumed = resume(request, channel, journal, resume.get(), done);
            if (resumed.proof() != null) {
                return resumed.proof();
            }
            session = resumed.session();
        }
        if (stopping) {
            throw new InterruptedException("shutting down");
        }
        if (session == null) {
            Optional<ObjectProof> already = noOverwrite.beforeStart(request, channel,
                    PartPlan.of(size, configuredPartSizeInBytes, maxParts));
            if (already.isPresent()) {
                return already.get();
            }
            session = start(request, journal, size);
        }
        listener.planned(new TransferListener.Plan(request.file(), session.bucket(), session.key(), session.uploadId(),
                size, session.plan().partCount(), done.size(),
                done.values().stream().mapToLong(CompletedPart::sizeInBytes).sum()));
        List<CompletedPart> parts = new PartSends(request, channel, session, journal).sendMissing(done);
        ensureUnchanged(request);
        return completeAndVerify(request, channel, session, parts);
    }

    /** A checkpointed upload continued ({@code session}), or found complete ({@code proof}), or neither (start over). */
    private record Resumed(MultipartSession session, ObjectProof proof) {
    }

    /**
     * Continues the checkpointed upload when its part size still fits the plan: the parts S3 holds and the
     * journal or their own CRC32C prove go into {@code done}. When S3 no longer knows the upload, the object may have completed just before
     * a crash: its proof, if it matches the file; otherwise start over.
     */
    private Resumed resume(ObjectRequest request, FileChannel channel, UploadJournal journal, ResumePoint resume,
                           SortedMap<Integer, CompletedPart> done) throws IOException {
        PartPlan plan = PartPlan.of(request.identity().sizeInBytes(), resume.partSizeInBytes(), maxParts);
        if (plan.partSizeInBytes() != resume.partSizeInBytes()) {
            return new Resumed(null, null);
        }
        MultipartSession session = new MultipartSession(request.bucket(), request.key(), resume.uploadId(), plan,
                resume.fullObjectChecksum());
        try {
            done.putAll(reconcile(request, channel, session, resume.journaledParts()));
            journal.resumed(session, done.values());
            return new Resumed(session, null);
        } catch (NoSuchUploadException gone) {
            Optional<ObjectProof> already = verifier.existing(request, channel, plan);
            if (already.isPresent()) {
                return new Resumed(null, already.get());
            }
            LOG.infof("%sbucket=%s key=%s uploadId=%s no longer exists and no matching object; starting over",
                    context(), request.bucket(), request.key(), session.uploadId());
            listener.bytesResent(resume.journaledParts().values().stream().mapToLong(CompletedPart::sizeInBytes).sum());
            return new Resumed(null, null);
        }
    }

    /** Creates the multipart upload, recorded in the journal before (intent) and after (header). */
    private MultipartSession start(ObjectRequest request, UploadJournal journal, long size) throws IOException {
        journal.creating(request.bucket(), request.key());
        MultipartSession session = create(request, size);
        CrashPoint.AFTER_CREATE.reached();
        journal.started(session);
        CrashPoint.AFTER_HEADER.reached();
        return session;
    }

    /**
     * Completes the upload and reads the object back. A no-overwrite Complete refused with 412 means another
     * writer stored the key meanwhile: the upload is aborted and the stored object compared with the file.
     */
    private ObjectProof completeAndVerify(ObjectRequest request, FileChannel channel, MultipartSession session,
                                          List<CompletedPart> parts) throws IOException {
        CrashPoint.BEFORE_COMPLETE.reached();
        if (!request.options().overwrite() && headBeforeCompleteBuckets.contains(request.bucket())
                && verifier.head(request).isPresent()) {
            // the store would complete over it: compare instead, as after a 412
            abort(session.bucket(), session.key(), session.uploadId(), request.options().expectedBucketOwner());
            String context = "found just before CompleteMultipartUpload, which this store does not make conditional;"
                    + " upload " + session.uploadId() + " aborted";
            return noOverwrite.afterRefused(request, channel, session.plan(), context).orElseThrow(() ->
                    new ObjectExistsException(request.bucket(), request.key(), context + "; then gone again"));
        }
        for (int attempt = 1; ; attempt++) {
            try {
                complete(request, session, parts);
                break;
            } catch (S3Exception e) {
                if (!NoOverwrite.isPreconditionFailed(e)) {
                    throw e;
                }
                if (verifier.head(request).isEmpty()) {
                    LOG.infof("%sbucket=%s key=%s CompleteMultipartUpload got 412 Precondition Failed but no object"
                            + " is stored there; %s", context(), request.bucket(), request.key(),
                            attempt == 2 ? "keeping the upload for a later attempt" : "completing again");
                    if (attempt == 2) {
                        throw e; // the upload and its checkpoint stay: the next attempt resumes and completes
                    }
                    continue;
                }
                // another writer stored the key while the parts were sent: this upload can never complete
                abort(session.bucket(), session.key(), session.uploadId(), request.options().expectedBucketOwner());
                return noOverwrite.afterRefused(request, channel, session.plan(), "CompleteMultipartUpload (upload "
                        + session.uploadId() + " aborted)").orElseThrow(() -> e);
            }
        }
        CrashPoint.AFTER_COMPLETE.reached();
        listener.verifying(request.file());
        List<PartDigest> digests = parts.stream().map(ObjectUploader::digestOf).toList();
        ObjectProof proof = verifier.verify(request, digests, true,
                session.fullObjectChecksum() ? Crc32cCombine.fullObjectCrc32c(parts) : null);
        ensureTags(request);
        return proof;
    }

    /**
     * Some stores drop the tags given on CreateMultipartUpload (Ceph RGW 16 keeps them only on PutObject): after
     * Complete, a rule's tags are read back with GetObjectTagging and, where missing, set with PutObjectTagging
     * and read back again. Tags the store still does not keep fail verification (the file is retried).
     */
    private void ensureTags(ObjectRequest request) throws VerificationFailedException {
        Map<String, String> wanted = request.options().tags();
        if (wanted.isEmpty()) {
            return;
        }
        Map<String, String> before;
        try {
            before = storedTags(request);
        } catch (S3Exception e) {
            // credentials without s3:GetObjectTagging (AWS, where Create keeps tags): the check is skipped, not the file
            if (bucketsWithoutTagReads.add(request.bucket())) {
                LOG.warnf("bucket=%s tags of multipart objects cannot be read back (%d %s); they are not checked",
                        request.bucket(), e.statusCode(), e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode());
            }
            return;
        }
        if (before.equals(wanted)) {
            return;
        }
        if (bucketsDroppingMultipartTags.add(request.bucket())) {
            LOG.infof("bucket=%s the store did not keep the tags given on CreateMultipartUpload; multipart objects of"
                    + " rules with tags get them with PutObjectTagging after Complete (fallback in use)",
                    request.bucket());
        }
        s3.putObjectTagging(b -> b.bucket(request.bucket()).key(request.key())
                .expectedBucketOwner(request.options().expectedBucketOwner()).tagging(request.options().tagging()));
        Map<String, String> stored = storedTags(request);
        if (!stored.equals(wanted)) {
            throw new VerificationFailedException("bucket=" + request.bucket() + " key=" + request.key()
                    + " tags after PutObjectTagging are " + stored + ", expected " + wanted);
        }
    }

    private Map<String, String> storedTags(ObjectRequest request) {
        Map<String, String> stored = new java.util.HashMap<>();
        s3.getObjectTagging(b -> b.bucket(request.bucket()).key(request.key())
                .expectedBucketOwner(request.options().expectedBucketOwner())).tagSet()
                .forEach(t -> stored.put(t.key(), t.value()));
        return stored;
    }

    private MultipartSession create(ObjectRequest request, long size) {
        PartPlan plan = PartPlan.of(size, configuredPartSizeInBytes, maxParts);
        if (plan.raisedFrom(configuredPartSizeInBytes)) {
            LOG.infof("%sbucket=%s key=%s part size raised to %d bytes to stay within %d parts", context(),
                    request.bucket(), request.key(), plan.partSizeInBytes(), maxParts);
        }
        String uploadId = s3.createMultipartUpload(request.options().applyTo(CreateMultipartUploadRequest.builder())
                .bucket(request.bucket()).key(request.key()).checksumAlgorithm(ChecksumAlgorithm.CRC32_C)
                .checksumType(fullObjectChecksum ? ChecksumType.FULL_OBJECT : null).build()).uploadId();
        LOG.debugf("%sbucket=%s key=%s uploadId=%s created, %d parts of %d bytes", context(),
                request.bucket(), request.key(), uploadId, plan.partCount(), plan.partSizeInBytes());
        return new MultipartSession(request.bucket(), request.key(), uploadId, plan, fullObjectChecksum);
    }

    /** The parts S3 already holds and need not be sent again (see {@link PartReconciler}); counts what will be. */
    private Map<Integer, CompletedPart> reconcile(ObjectRequest request, FileChannel channel, MultipartSession session,
                                                  Map<Integer, CompletedPart> journaled) throws IOException {
        PartReconciler.Result result = PartReconciler.reconcile(s3, channel, session, journaled,
                request.options().expectedBucketOwner(), needsMd5(request));
        listener.bytesResent(result.resentBytes());
        LOG.infof("%sbucket=%s key=%s uploadId=%s resuming: %d of %d parts already in S3 (%d of them not yet"
                        + " checkpointed, proven by their CRC32C); %d bytes S3 or the checkpoint held are sent again",
                context(), session.bucket(), session.key(), session.uploadId(), result.trusted().size(),
                session.plan().partCount(), result.provenByChecksum(), result.resentBytes());
        return result.trusted();
    }

    /**
     * The parts of one multipart upload still to send. The uploading thread takes each part's permit (its
     * connection's part gate, then the bytes) before it hands the part to the shared part executor, so the work
     * queued there is bounded by the part limit, and files waiting for permits take turns (the gate serves
     * waiters in arrival order): two large files interleave instead of one waiting behind all of the other's
     * parts. The first failure stops further submissions; parts already sent finish and are checkpointed.
     */
    private final class PartSends {
        private final ObjectRequest request;
        private final FileChannel channel;
        private final MultipartSession session;
        private final UploadJournal journal;
        private final Deque<Future<CompletedPart>> inFlight = new ArrayDeque<>();
        private final AtomicBoolean failed = new AtomicBoolean();
        private Exception firstFailure;

        PartSends(ObjectRequest request, FileChannel channel, MultipartSession session, UploadJournal journal) {
            this.request = request;
            this.channel = channel;
            this.session = session;
            this.journal = journal;
        }

        /** Sends every part not in {@code done} and adds it there; returns all parts in order once all are stored. */
        List<CompletedPart> sendMissing(SortedMap<Integer, CompletedPart> done) throws IOException, InterruptedException {
            try {
                for (int n = 1; n <= session.plan().partCount() && !failed.get() && !stopping; n++) {
                    if (!done.containsKey(n)) {
                        submit(n);
                    }
                    collectFinished(done, false);
                }
            } catch (InterruptedException shutdown) {
                failed.set(true); // parts already sent finish on their own and are checkpointed
                throw shutdown;
            }
            collectFinished(done, true);
            if (firstFailure != null) {
                throw Failures.rethrow(firstFailure);
            }
            if (done.size() < session.plan().partCount()) {
                throw new InterruptedException("shutting down: " + done.size() + " of " + session.plan().partCount()
                        + " parts stored and checkpointed");
            }
            return new ArrayList<>(done.values());
        }

        private void submit(int partNumber) throws InterruptedException {
            FlowControl.Permit permit = flow.sendPart(session.plan().lengthOf(partNumber));
            if (stopping || failed.get()) {
                permit.close(); // shutdown or a failure came while this part waited for its permit
                return;
            }
            try {
                inFlight.add(partExecutor.submit(() -> sendHolding(permit, partNumber)));
            } catch (RuntimeException rejected) {
                permit.close();
                throw rejected;
            }
        }

        private CompletedPart sendHolding(FlowControl.Permit permit, int partNumber) throws Exception {
            try (permit) {
                return sendPart(request, channel, session, partNumber, journal, permit);
            } catch (Exception e) {
                failed.set(true);
                throw e;
            }
        }

        /** Takes the results of finished parts (all of them, waiting, when {@code all}). */
        private void collectFinished(SortedMap<Integer, CompletedPart> done, boolean all) throws InterruptedException {
            while (!inFlight.isEmpty() && (all || inFlight.peekFirst().isDone())) {
                Future<CompletedPart> next = inFlight.removeFirst();
                try {
                    CompletedPart part = next.get();
                    done.put(part.partNumber(), part);
                } catch (ExecutionException e) {
                    firstFailure = firstFailure == null ? (Exception) e.getCause() : firstFailure;
                } catch (InterruptedException e) {
                    failed.set(true);
                    throw e;
                }
            }
        }
    }

    private CompletedPart sendPart(ObjectRequest request, FileChannel channel, MultipartSession session,
                                   int partNumber, UploadJournal journal, FlowControl.Permit permit)
            throws IOException {
        long started = System.nanoTime();
        long offset = session.plan().offsetOf(partNumber);
        long length = session.plan().lengthOf(partNumber);
        PartDigest digest = PartDigest.of(channel, offset, length, needsMd5(request));
        ensureUnchanged(request);
        UploadPartRequest part = UploadPartRequest.builder()
                .bucket(session.bucket()).key(session.key()).uploadId(session.uploadId())
                .partNumber(partNumber).contentLength(length)
                .checksumCRC32C(digest.crc32cBase64()).contentMD5(digest.md5Base64())
                .expectedBucketOwner(request.options().expectedBucketOwner())
                .build();
        UploadPartResponse response = s3.uploadPart(part, RequestBody.fromContentProvider(
                () -> body(channel, offset, length), length, "application/octet-stream"));
        permit.sent();
        ensureUnchanged(request);
        CompletedPart completed = new CompletedPart(partNumber, length, ObjectVerifier.unquote(response.eTag()),
                digest.crc32cBase64(), digest.md5Base64());
        CrashPoint.AFTER_PART_BEFORE_CHECKPOINT.reached();
        journal.partCompleted(completed);
        CrashPoint.AFTER_CHECKPOINT.reached();
        listener.bytesSent(request.file(), length);
        listener.partUploaded(Duration.ofNanos(System.nanoTime() - started));
        return completed;
    }

    /** A request body: one byte range of the file, read no faster than the bandwidth cap allows. */
    private InputStream body(FileChannel channel, long offset, long length) {
        return bandwidth.throttle(new RegionInputStream(channel, offset, length));
    }

    private void complete(ObjectRequest object, MultipartSession session, List<CompletedPart> parts) {
        List<software.amazon.awssdk.services.s3.model.CompletedPart> completed = parts.stream()
                .map(p -> software.amazon.awssdk.services.s3.model.CompletedPart.builder()
                        .partNumber(p.partNumber()).eTag(p.etag()).checksumCRC32C(p.crc32c()).build())
                .toList();
        CompleteMultipartUploadRequest.Builder request = CompleteMultipartUploadRequest.builder()
                .bucket(session.bucket()).key(session.key()).uploadId(session.uploadId())
                .multipartUpload(m -> m.parts(completed))
                .expectedBucketOwner(object.options().expectedBucketOwner())
                .ifNoneMatch(object.options().overwrite() ? null : "*");
        if (session.fullObjectChecksum()) {
            request.checksumType(ChecksumType.FULL_OBJECT).checksumCRC32C(Crc32cCombine.fullObjectCrc32c(parts));
        }
        long started = System.nanoTime();
        s3.completeMultipartUpload(request.build());
        // the store assembles the object during this call: on a file-backed store it is a copy of every byte
        // (bench/run.sh reads "the store took N ms" from this line to report the assembly time)
        LOG.debugf("%sbucket=%s key=%s uploadId=%s completed with %d parts; the store took %d ms to assemble it",
                context(), session.bucket(), session.key(), session.uploadId(), parts.size(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Aborts a multipart upload; returns true when it is gone (aborted now, or already completed or aborted).
     * Failure is logged with what to clean up.
     */
    public boolean abort(String bucket, String key, String uploadId) {
        return abort(bucket, key, uploadId, null);
    }

    /** As {@link #abort(String, String, String)}, sending the expected bucket owner when not null. */
    public boolean abort(String bucket, String key, String uploadId, String expectedBucketOwner) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .expectedBucketOwner(expectedBucketOwner));
            return true;
        } catch (NoSuchUploadException alreadyGone) {
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("%sbucket=%s key=%s uploadId=%s abort failed (%s); the orphan janitor retries it, or a bucket"
                    + " lifecycle rule (AbortIncompleteMultipartUpload) removes it", context(), bucket, key, uploadId, e.toString());
            return false;
        }
    }

    /** Multipart uploads in progress under exactly this key (all pages). */
    public List<software.amazon.awssdk.services.s3.model.MultipartUpload> uploadsOf(String bucket, String key) {
        return s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(key)).uploads().stream()
                .filter(u -> key.equals(u.key())).toList();
    }

    /**
     * "rule=… path=… " of the attempt running on this thread (the uploader pool sets them in the MDC), or ""
     * outside an attempt (the orphan janitor).
     */
    private static String context() {
        Object rule = MDC.get("rule");
        Object path = MDC.get("path");
        return rule == null ? "" : "rule=" + rule + " path=" + path + " ";
    }

    private static PartDigest digestOf(CompletedPart part) {
        java.util.Base64.Decoder b64 = java.util.Base64.getDecoder();
        return new PartDigest(b64.decode(part.crc32c()), part.md5() == null ? null : b64.decode(part.md5()));
    }

    /** MD5 is the fallback evidence for stores that do not check or report CRC32C. */
    private boolean needsMd5(ObjectRequest request) {
        return !checksumCheckingBuckets.contains(request.bucket());
    }

    private static void ensureUnchanged(ObjectRequest request) throws IOException {
        FileIdentity now;
        try {
            now = request.source().identity(request.file());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SourceChangedException("source file was removed during upload");
        }
        if (!now.equals(request.identity())) {
            throw new SourceChangedException("source file is being updated: was " + request.identity() + ", now " + now);
        }
    }
}
