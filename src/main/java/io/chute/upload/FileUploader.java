package io.chute.upload;

import io.chute.checkpoint.Checkpoint;
import io.chute.checkpoint.CorruptSidecarException;
import io.chute.checkpoint.FileSample;
import io.chute.checkpoint.SidecarHeader;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.completion.Completion;
import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.config.TargetOptions;
import io.chute.multipart.MultipartSession;
import io.chute.multipart.ObjectExistsException;
import io.chute.multipart.ObjectProof;
import io.chute.multipart.ObjectRequest;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.ResumePoint;
import io.chute.multipart.UploadJournal;
import io.chute.stability.FileIdentity;
import io.chute.stability.SourceFolder;
import io.chute.stability.StableFile;
import io.chute.upload.ObjectKeyResolver.InvalidKeyException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * One attempt to store one stable file. Reads the decision top-down like a specification: file gone → nothing
 * to do; file changed → back to the gate; receipt found → only the post-action is left; a sidecar for the same
 * file and endpoint → resume its upload under the key frozen in it; a sidecar for anything else → abort that
 * upload and start over; then upload, classify any failure.
 */
public final class FileUploader implements Uploader {

    private static final Logger LOG = Logger.getLogger(FileUploader.class);
    /** Alternative keys tried for on-conflict: suffix before the file is quarantined. */
    private static final int MAX_SUFFIX = 100;

    /** The journal of a file the engine stores with one PutObject; a multipart upload must never reach it. */
    private static final UploadJournal PUT_ONLY = new UploadJournal() {
        @Override
        public void creating(String bucket, String key) {
            throw new IllegalStateException("a multipart upload of bucket=" + bucket + " key=" + key
                    + " was started without a checkpoint");
        }

        @Override
        public void started(MultipartSession session) {
            throw new IllegalStateException("a multipart upload was started without a checkpoint");
        }

        @Override
        public void resumed(MultipartSession session, java.util.Collection<io.chute.multipart.CompletedPart> confirmed) {
            throw new IllegalStateException("a multipart upload was resumed without a checkpoint");
        }

        @Override
        public void partCompleted(io.chute.multipart.CompletedPart part) {
            throw new IllegalStateException("a part was sent without a checkpoint");
        }
    };

    private final ObjectUploader engine;
    private final SidecarStore sidecars;
    private final UploadLedger ledger;
    private final Completion completion;
    private final String endpointId;
    private final Clock clock;
    private final KeyClaims claims;

    public FileUploader(ObjectUploader engine, SidecarStore sidecars, UploadLedger ledger, Completion completion,
                        String endpointId, Clock clock) {
        this(engine, sidecars, ledger, completion, endpointId, clock, new KeyClaims(clock));
    }

    /** {@code claims}: the register of keys held by sources, shared by every uploader of the process. */
    public FileUploader(ObjectUploader engine, SidecarStore sidecars, UploadLedger ledger, Completion completion,
                        String endpointId, Clock clock, KeyClaims claims) {
        this.claims = claims;
        this.engine = engine;
        this.sidecars = sidecars;
        this.ledger = ledger;
        this.completion = completion;
        this.endpointId = endpointId;
        this.clock = clock;
    }

    @Override
    public UploadOutcome attempt(StableFile file) {
        FileIdentity now;
        try {
            now = SourceFolder.of(file.rule()).identity(file.path());
        } catch (NoSuchFileException | FileIdentity.NotRegularFileException gone) {
            abandon(file, "source file was removed or is no longer a regular file");
            return new UploadOutcome.SourceGone();
        } catch (SourceFolder.RefusedException refused) {
            return kept(refused);
        } catch (IOException e) {
            return FailureClassifier.classify(e);
        }
        if (!now.equals(file.identity())) {
            return new UploadOutcome.SourceChanged("changed since it was found stable");
        }
        Optional<io.chute.completion.Receipt> receipt = completion.alreadyUploaded(file.rule(), file.path(), now);
        if (receipt.isPresent()) {
            // a kept file holds its key while it is there, also after a restart
            try {
                claims.claim(receipt.get().bucket(), receipt.get().key(), file.rule().folder(), file.path());
            } catch (IOException e) {
                LOG.debugf("rule=%s path=%s key not claimed: %s", file.rule().name(), file.path(), e);
            }
            return new UploadOutcome.AlreadyDone();
        }
        try {
            return store(file, now);
        } catch (InvalidKeyException e) {
            return new UploadOutcome.Rejected(FailureReason.INVALID_KEY, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new UploadOutcome.Interrupted();
        } catch (Exception e) {
            return failed(file, e);
        }
    }

    /** The checkpoint sample, read through the rule's folder like every other read of a source. */
    private static String sampleOf(StableFile file, FileIdentity now) throws IOException {
        try (java.nio.channels.FileChannel ch = SourceFolder.of(file.rule()).open(file.path(), now)) {
            return FileSample.crc32cOf(ch);
        }
    }

    /** Resumes the file's checkpointed upload, or starts one; a no-overwrite conflict goes to {@link #onConflict}. */
    private UploadOutcome store(StableFile file, FileIdentity now)
            throws IOException, InterruptedException, InvalidKeyException {
        // Only multipart uploads have checkpoints; a sidecar found for a file that now goes through PutObject
        // (threshold raised) cannot match the empty sample and is aborted.
        String sample = engine.usesMultipart(now.sizeInBytes()) ? sampleOf(file, now) : "";
        Optional<Checkpoint> checkpoint = usableCheckpoint(file, sample);
        ObjectRequest request = requestFor(file, now, checkpoint);
        Optional<java.nio.file.Path> other = claims.claim(request.bucket(), request.key(), file.rule().folder(),
                file.path());
        if (other.isPresent()) {
            return new UploadOutcome.Rejected(FailureReason.KEY_COLLISION, "bucket=" + request.bucket() + " key="
                    + request.key() + " is also the key of " + other.get() + "; " + file.path()
                    + " is not uploaded (one file, one key)");
        }
        Optional<ResumePoint> resume = checkpoint.map(c -> new ResumePoint(c.header().uploadId(),
                c.header().partSize(), c.parts(), ResumePoint.CRC32C_FULL_OBJECT.equals(c.header().checksumAlgorithm())));
        if (checkpoint.isEmpty() && file.rule().afterUpload() == AfterUpload.KEEP) {
            Optional<ObjectProof> stored = engine.alreadyStored(request);
            if (stored.isPresent()) {
                LOG.infof("rule=%s path=%s bucket=%s key=%s is already stored in S3 (size and checksum match) but has"
                        + " no receipt; not uploaded again", file.rule().name(), file.path(), request.bucket(),
                        request.key());
                return new UploadOutcome.Completed(stored.get(), false);
            }
        }
        try {
            return upload(file, request, sample, checkpoint, resume);
        } catch (ObjectExistsException conflict) {
            abandon(file, conflict.getMessage());
            return onConflict(file, request, sample, conflict);
        }
    }

    /** The object to store: under the key frozen in the checkpoint, else the rule's key for the file. */
    private ObjectRequest requestFor(StableFile file, FileIdentity now, Optional<Checkpoint> checkpoint)
            throws InvalidKeyException {
        Instant time = ObjectTargets.keyTime(file.rule(), now, clock);
        String hostname = ObjectKeyResolver.localHostname();
        String bucket = checkpoint.map(c -> c.header().bucket()).orElse(file.rule().bucket());
        String key = checkpoint.isPresent() ? checkpoint.get().header().key()
                : ObjectKeyResolver.resolve(file.rule(), file.relativePath(), time, hostname);
        return new ObjectRequest(file.path(), now, bucket, key,
                ObjectTargets.options(file.rule(), file.relativePath(), time, hostname), SourceFolder.of(file.rule()));
    }

    /**
     * Whatever the server said, a source that changed meanwhile explains it (e.g. a part whose bytes no longer
     * match the checksum computed before sending): back to the gate, not an attempt lost.
     */
    private UploadOutcome failed(StableFile file, Exception e) {
        Optional<SourceFolder.RefusedException> refusedBy = refusal(e);
        if (refusedBy.isPresent()) {
            abandon(file, refusedBy.get().getMessage());
            // another file under the name, inside the folder: a new version, back to the gate like any change
            return refusedBy.get().reason() == SourceFolder.Refusal.IDENTITY_CHANGED
                    ? new UploadOutcome.SourceChanged(refusedBy.get().getMessage()) : kept(refusedBy.get());
        }
        UploadOutcome outcome = changedSince(file)
                ? new UploadOutcome.SourceChanged("source changed during upload (" + e.getMessage() + ")")
                : FailureClassifier.classify(e);
        if (outcome instanceof UploadOutcome.RetryLater refused && FailureClassifier.isSignatureMismatch(e)) {
            outcome = signatureMismatch(file, refused);
        }
        if (outcome instanceof UploadOutcome.SourceChanged changed) {
            abandon(file, changed.detail());
        } else if (FailureClassifier.needsRebuild(e)) {
            abandon(file, "S3 refused the assembled parts (" + e.getMessage() + "); rebuilding from scratch");
        }
        return outcome;
    }

    /**
     * The store refused the signature of this file's request. If a request without any object's headers
     * (HeadBucket) succeeds with the same credentials, the file's own headers are the cause and only the file
     * waits (and is quarantined if it keeps failing); if HeadBucket fails too, the credentials are, and the rule
     * pauses.
     */
    private UploadOutcome signatureMismatch(StableFile file, UploadOutcome.RetryLater refused) {
        try {
            engine.headBucket(file.rule().bucket(), file.rule().target().expectedBucketOwner().orElse(null));
            return FailureClassifier.signatureHint(refused);
        } catch (RuntimeException bucketToo) {
            return new UploadOutcome.RetryLater(FailureReason.CREDENTIALS, refused.detail() + "; HeadBucket fails"
                    + " too (" + bucketToo.getMessage() + ")", UploadOutcome.RetryLater.Scope.RULE);
        }
    }

    private static UploadOutcome kept(SourceFolder.RefusedException refused) {
        return new UploadOutcome.Kept(refused.reason().tag(), refused.getMessage());
    }

    /** The containment refusal behind a failure, if one is (possibly wrapped by the part executor). */
    private static Optional<SourceFolder.RefusedException> refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SourceFolder.RefusedException r) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    @Override
    public void released(StableFile file) {
        claims.release(file.path());
    }

    private static boolean changedSince(StableFile file) {
        try {
            return !SourceFolder.of(file.rule()).identity(file.path()).equals(file.identity());
        } catch (IOException e) {
            return true;
        }
    }

    private UploadOutcome upload(StableFile file, ObjectRequest request, String sample, Optional<Checkpoint> checkpoint,
                                 Optional<ResumePoint> resume) throws IOException, InterruptedException {
        FileIdentity now = request.identity();
        if (resume.isEmpty() && !engine.usesMultipart(now.sizeInBytes())) {
            // one PutObject: no multipart upload, so nothing to checkpoint or enter in the ledger
            return new UploadOutcome.Completed(engine.upload(request, PUT_ONLY, resume), false);
        }
        try (SidecarStore.Journal sidecar = sidecars.journal(file.path(), s -> header(s, now, sample, checkpoint))) {
            LedgeredJournal journal = new LedgeredJournal(ledger, sidecar, endpointId, file.path(),
                    checkpoint.map(c -> refOf(c.header().uploadId())).orElse(null),
                    sidecar.target().orElse(sidecars.sidecarOf(file.path())).toAbsolutePath().getParent());
            ObjectProof proof = engine.upload(request, journal, resume);
            journal.ended();
            return new UploadOutcome.Completed(proof, resume.isPresent());
        }
    }

    /**
     * A no-overwrite rule met a different object under the key: quarantine the file, or (on-conflict: suffix)
     * store it under the first free or identical alternative key {@code -1}, {@code -2}, ... The alternative key
     * is frozen in the new checkpoint like any other.
     */
    private UploadOutcome onConflict(StableFile file, ObjectRequest request, String sample, ObjectExistsException first)
            throws IOException, InterruptedException, InvalidKeyException {
        if (file.rule().target().onConflict() == TargetOptions.OnConflict.QUARANTINE) {
            return new UploadOutcome.Rejected(FailureReason.CONFLICT, first.getMessage());
        }
        for (int n = 1; n <= MAX_SUFFIX; n++) {
            ObjectRequest alternative = request.withKey(ObjectKeyResolver.suffixed(request.key(), n));
            try {
                LOG.infof("rule=%s path=%s bucket=%s key=%s is taken by a different object; trying key=%s",
                        file.rule().name(), file.path(), request.bucket(), request.key(), alternative.key());
                return upload(file, alternative, sample, Optional.empty(), Optional.empty());
            } catch (ObjectExistsException taken) {
                abandon(file, taken.getMessage());
            }
        }
        return new UploadOutcome.Rejected(FailureReason.CONFLICT, first.getMessage() + "; the alternative keys -1 to -"
                + MAX_SUFFIX + " are all taken by different objects");
    }

    /**
     * The file's checkpoint if it belongs to this very file (identity and {@code sample} of its first and last
     * MiB) and endpoint; otherwise cleans it up.
     */
    private Optional<Checkpoint> usableCheckpoint(StableFile file, String sample) throws IOException {
        SidecarStore.Lookup found;
        try {
            // a file sent with one PutObject never writes a sidecar: no sweep of its folder for leftover temps
            found = sidecars.lookup(file.path(), engine.usesMultipart(file.identity().sizeInBytes()));
        } catch (CorruptSidecarException e) {
            sidecars.moveAsideCorrupt(file.path(), e.getMessage());
            abortLedgered(file, "its checkpoint is corrupt");
            return Optional.empty();
        }
        Optional<Checkpoint> loaded = found.checkpoint();
        if (loaded.isEmpty()) {
            if (found.nameOccupied()) {
                abortLedgered(file, "its sidecar name is taken by a file that is not Chute's");
            }
            return loaded;
        }
        SidecarHeader h = loaded.get().header();
        FileIdentity id = file.identity();
        boolean sameFile = h.size() == id.sizeInBytes() && h.mtimeMillis() == id.mtimeMillis()
                && h.fileKey().equals(id.fileKey()) && h.sampleCrc32c().equals(sample);
        if (sameFile && h.endpoint().equals(endpointId)) {
            return loaded;
        }
        LOG.infof("rule=%s path=%s bucket=%s key=%s uploadId=%s checkpoint is for %s; aborting it and starting over",
                file.rule().name(), file.path(), h.bucket(), h.key(), h.uploadId(),
                sameFile ? "another endpoint (" + h.endpoint() + ")" : "an earlier version of the file");
        abortAndForget(file, h);
        sidecars.delete(file.path());
        return Optional.empty();
    }

    /**
     * The file starts afresh without a usable checkpoint: aborts the uploads of this file that this installation's
     * ledger records as open on this endpoint (never an upload only a sidecar names; a sidecar may be forged).
     */
    private void abortLedgered(StableFile file, String why) {
        try {
            String path = file.path().toString();
            for (UploadLedger.Entry e : ledger.open()) {
                if (e.uploadId() == null || !path.equals(e.path()) || !endpointId.equals(e.endpoint())) {
                    continue;
                }
                String owner = e.bucket().equals(file.rule().bucket())
                        ? file.rule().target().expectedBucketOwner().orElse(null) : null;
                if (engine.abort(e.bucket(), e.key(), e.uploadId(), owner)) {
                    LOG.infof("rule=%s path=%s bucket=%s key=%s uploadId=%s aborted from the ledger: %s; starting over",
                            file.rule().name(), file.path(), e.bucket(), e.key(), e.uploadId(), why);
                    ledger.ended(e.ref());
                }
            }
        } catch (IOException e) {
            LOG.warnf("rule=%s path=%s could not read the upload ledger (%s); the orphan janitor aborts what is left",
                    file.rule().name(), file.path(), e.toString());
        }
    }

    /** Aborts the file's checkpointed multipart upload, if any, and removes its sidecar. */
    @Override
    public void abandon(StableFile file, String why) {
        try {
            Optional<Checkpoint> cp = sidecars.load(file.path());
            if (cp.isPresent()) {
                SidecarHeader h = cp.get().header();
                LOG.infof("rule=%s path=%s bucket=%s key=%s uploadId=%s aborting: %s", file.rule().name(),
                        file.path(), h.bucket(), h.key(), h.uploadId(), why);
                abortAndForget(file, h);
            }
            sidecars.delete(file.path());
        } catch (IOException e) {
            LOG.warnf("rule=%s path=%s could not clean up its checkpoint: %s", file.rule().name(), file.path(), e);
        }
    }

    private void abortAndForget(StableFile file, SidecarHeader h) throws IOException {
        String owner = h.bucket().equals(file.rule().bucket())
                ? file.rule().target().expectedBucketOwner().orElse(null) : null;
        if (h.endpoint().equals(endpointId) && engine.abort(h.bucket(), h.key(), h.uploadId(), owner)) {
            String ref = refOf(h.uploadId());
            if (ref != null) {
                ledger.ended(ref);
            }
        }
    }

    /** The ledger reference of an upload id, or null when the ledger does not know it. */
    private String refOf(String uploadId) {
        try {
            return ledger.open().stream().filter(e -> uploadId.equals(e.uploadId())).map(UploadLedger.Entry::ref)
                    .findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private SidecarHeader header(MultipartSession s, FileIdentity id, String sample, Optional<Checkpoint> resumed) {
        String createdAt = resumed.filter(c -> c.header().uploadId().equals(s.uploadId()))
                .map(c -> c.header().createdAt()).orElse(clock.instant().toString());
        return new SidecarHeader(SidecarHeader.VERSION, id.sizeInBytes(), id.mtimeMillis(), id.fileKey(), sample,
                endpointId, s.bucket(), s.key(), s.uploadId(), s.plan().partSizeInBytes(), s.checksumName(), createdAt);
    }
}
