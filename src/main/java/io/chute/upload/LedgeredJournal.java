package io.chute.upload;

import io.chute.checkpoint.UploadLedger;
import io.chute.multipart.CompletedPart;
import io.chute.multipart.MultipartSession;
import io.chute.multipart.UploadJournal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Records a multipart upload in the ledger (intent before Create, id after) and then in the file's sidecar.
 * {@link #ended} closes the ledger entry once the upload completed or was aborted.
 */
final class LedgeredJournal implements UploadJournal {

    private final UploadLedger ledger;
    private final UploadJournal sidecar;
    private final String endpointId;
    private final Path source;
    private String ref;

    LedgeredJournal(UploadLedger ledger, UploadJournal sidecar, String endpointId, Path source, String resumedRef) {
        this.ledger = ledger;
        this.sidecar = sidecar;
        this.endpointId = endpointId;
        this.source = source;
        this.ref = resumedRef;
    }

    @Override
    public synchronized void creating(String bucket, String key) throws IOException {
        ref = ledger.intent(endpointId, bucket, key, source);
    }

    @Override
    public synchronized void started(MultipartSession session) throws IOException {
        ledger.created(ref, endpointId, session.bucket(), session.key(), session.uploadId(), source);
        sidecar.started(session);
    }

    @Override
    public void resumed(MultipartSession session, Collection<CompletedPart> confirmed) throws IOException {
        sidecar.resumed(session, confirmed);
    }

    @Override
    public void partCompleted(CompletedPart part) throws IOException {
        sidecar.partCompleted(part);
    }

    /** Closes the ledger entry of the upload this journal created or resumed, if any. */
    synchronized void ended() throws IOException {
        if (ref != null) {
            ledger.ended(ref);
        }
    }
}
