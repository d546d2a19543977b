package io.chute.upload;

import io.chute.checkpoint.Checkpoint;
import io.chute.checkpoint.SidecarHeader;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.multipart.ObjectUploader;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Aborts this installation's orphaned multipart uploads: those in the ledger that no sidecar references and no
 * worker is uploading. At startup (nothing in flight yet) every unreferenced upload is an orphan; the
 * periodic sweep waits until an entry is older than the TTL. Uploads another client owns are never touched:
 * only ledger entries are considered, and for a crash between intent and id only uploads of that exact key
 * initiated around the intent's time. An upload handed out as presigned URLs ({@code chute presign multipart})
 * carries its own expiry in the ledger instead: it is left alone until then, at startup too, and aborted after.
 */
public final class OrphanJanitor {

    private static final Logger LOG = Logger.getLogger(OrphanJanitor.class);
    private static final Duration INTENT_WINDOW = Duration.ofMinutes(5);

    private final UploadLedger ledger;
    private final SidecarStore sidecars;
    private final ObjectUploader engine;
    private final String endpointId;
    private final Predicate<Path> inFlight;
    private final Clock clock;
    private final Duration ttl;
    private final Runnable onAbort;

    public OrphanJanitor(UploadLedger ledger, SidecarStore sidecars, ObjectUploader engine, String endpointId,
                         Predicate<Path> inFlight, Clock clock, Duration ttl, Runnable onAbort) {
        this.ledger = ledger;
        this.sidecars = sidecars;
        this.engine = engine;
        this.endpointId = endpointId;
        this.inFlight = inFlight;
        this.clock = clock;
        this.ttl = ttl;
        this.onAbort = onAbort;
    }

    /** An upload a sweep aborts, or in a dry run would abort; {@code since} is when the ledger recorded it. */
    public record Orphan(String bucket, String key, String uploadId, Path source, Instant since) {
    }

    /** One sweep; {@code startup} treats every unreferenced entry as an orphan. Returns uploads aborted. */
    public int sweep(boolean startup) throws IOException {
        return sweep(startup, true).size();
    }

    /**
     * One sweep. With {@code apply} false it is a dry run that changes nothing, not even the ledger, and
     * returns what it would abort; otherwise it returns the uploads it aborted.
     */
    public List<Orphan> sweep(boolean startup, boolean apply) throws IOException {
        List<Orphan> orphans = new ArrayList<>();
        Instant now = clock.instant();
        for (UploadLedger.Entry e : ledger.open()) {
            Path source = Path.of(e.path());
            boolean young = Duration.between(e.time(), now).compareTo(ttl) < 0;
            if (!endpointId.equals(e.endpoint())) {
                continue;
            }
            if (e.expiry().isPresent()) {
                // A presigned upload: clients may still PUT parts until its own expiry, startup or not; after it
                // nothing references it (no sidecar), so it is an orphan.
                if (now.isBefore(e.expiry().get())) {
                    continue;
                }
            } else if (inFlight.test(source) || (!startup && young)) {
                continue;
            }
            Optional<String> referenced = e.expiry().isPresent() ? Optional.empty() : referencedUploadId(source);
            if (e.uploadId() != null) {
                if (referenced.filter(e.uploadId()::equals).isPresent()) {
                    continue;
                }
                if (!apply) {
                    orphans.add(new Orphan(e.bucket(), e.key(), e.uploadId(), source, e.time()));
                } else if (engine.abort(e.bucket(), e.key(), e.uploadId())) {
                    LOG.infof("bucket=%s key=%s uploadId=%s orphaned upload of %s aborted", e.bucket(), e.key(),
                            e.uploadId(), source);
                    ledger.ended(e.ref());
                    orphans.add(new Orphan(e.bucket(), e.key(), e.uploadId(), source, e.time()));
                    onAbort.run();
                }
            } else {
                orphans.addAll(abortUnrecorded(e, referenced, apply));
            }
        }
        if (apply) {
            ledger.compact();
        }
        return orphans;
    }

    /** A crash between intent and id: abort uploads of that key created around the intent's time. */
    private List<Orphan> abortUnrecorded(UploadLedger.Entry intent, Optional<String> referenced, boolean apply)
            throws IOException {
        List<Orphan> aborted = new ArrayList<>();
        boolean allGone = true;
        for (MultipartUpload u : engine.uploadsOf(intent.bucket(), intent.key())) {
            Instant initiated = u.initiated();
            boolean aroundIntent = initiated != null && !initiated.isBefore(intent.time().minus(INTENT_WINDOW))
                    && !initiated.isAfter(intent.time().plus(INTENT_WINDOW));
            if (!aroundIntent || referenced.filter(u.uploadId()::equals).isPresent()) {
                continue;
            }
            Orphan orphan = new Orphan(intent.bucket(), intent.key(), u.uploadId(), Path.of(intent.path()),
                    intent.time());
            if (!apply) {
                aborted.add(orphan);
            } else if (engine.abort(intent.bucket(), intent.key(), u.uploadId())) {
                LOG.infof("bucket=%s key=%s uploadId=%s orphaned upload (created just before a crash) aborted",
                        intent.bucket(), intent.key(), u.uploadId());
                aborted.add(orphan);
                onAbort.run();
            } else {
                allGone = false;
            }
        }
        if (apply && allGone) {
            ledger.ended(intent.ref());
        }
        return aborted;
    }

    /**
     * Forgets the checkpoint of a file that no longer exists ({@link SidecarStore#filesWithoutSource}): aborts its
     * multipart upload (S3 answers NoSuchUpload for one that completed, and the object stays), closes its ledger
     * entry and removes the sidecar. Returns false when the sidecar names another endpoint, whose janitor must do
     * it; a failed abort keeps the sidecar for the next start. Call it only for files no worker can be uploading.
     */
    public boolean forgetVanished(Path source) throws IOException {
        Optional<Checkpoint> checkpoint;
        try {
            checkpoint = sidecars.load(source);
        } catch (IOException unreadable) {
            LOG.infof("path=%s is gone and its unreadable sidecar is removed (%s)", source, unreadable.getMessage());
            sidecars.delete(source);
            return true;
        }
        if (checkpoint.isEmpty()) {
            return true;
        }
        SidecarHeader h = checkpoint.get().header();
        if (!endpointId.equals(h.endpoint())) {
            return false;
        }
        if (!engine.abort(h.bucket(), h.key(), h.uploadId())) {
            return true;
        }
        for (UploadLedger.Entry e : ledger.open()) {
            if (h.uploadId().equals(e.uploadId())) {
                ledger.ended(e.ref());
            }
        }
        sidecars.delete(source);
        LOG.infof("path=%s is gone; its checkpoint (bucket=%s key=%s uploadId=%s) is removed and the upload, if it was"
                + " still open, aborted", source, h.bucket(), h.key(), h.uploadId());
        return true;
    }

    private Optional<String> referencedUploadId(Path source) {
        try {
            return sidecars.load(source).map(Checkpoint::header).map(h -> h.uploadId());
        } catch (IOException unreadable) {
            return Optional.empty(); // a corrupt sidecar is set aside when its file is next uploaded
        }
    }
}
