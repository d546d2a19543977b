package io.chute.upload;

import io.chute.checkpoint.StateDirProbe;
import io.chute.checkpoint.StateDirUnavailableException;
import io.chute.checkpoint.UploadLedger;
import io.chute.multipart.CompletedPart;
import io.chute.multipart.MultipartSession;
import io.chute.multipart.UploadJournal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Records a multipart upload in the ledger (intent before Create, id after) and then in the file's sidecar.
 * {@link #ended} closes the ledger entry once the upload completed or was aborted. A sidecar that cannot be
 * written fails the upload with {@link StateDirUnavailableException} (of the state dir when sidecars live there,
 * of the drop folder when they live beside the files): no part is sent that cannot be checkpointed.
 */
final class LedgeredJournal implements UploadJournal {

    private final UploadLedger ledger;
    private final UploadJournal sidecar;
    private final String endpointId;
    private final Path source;
    private final Path sidecarFolder;
    private String ref;

    LedgeredJournal(UploadLedger ledger, UploadJournal sidecar, String endpointId, Path source, String resumedRef,
                    Path sidecarFolder) {
        this.sidecarFolder = sidecarFolder;
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
        try {
            sidecar.started(session);
        } catch (IOException e) {
            throw unwritable(e);
        }
    }

    @Override
    public void resumed(MultipartSession session, Collection<CompletedPart> confirmed) throws IOException {
        try {
            sidecar.resumed(session, confirmed);
        } catch (IOException e) {
            throw unwritable(e);
        }
    }

    @Override
    public void partCompleted(CompletedPart part) throws IOException {
        try {
            sidecar.partCompleted(part);
        } catch (IOException e) {
            throw unwritable(e);
        }
    }

    /**
     * Sidecars under the state dir fail with it. A sidecar beside its file is the drop folder's problem only if
     * the state dir can still be written; otherwise (one full file system for both) the state dir is down.
     */
    private StateDirUnavailableException unwritable(IOException e) {
        if (!sidecarFolder.equals(source.toAbsolutePath().getParent())) {
            return StateDirUnavailableException.stateDir(sidecarFolder, "sidecar", e);
        }
        try {
            StateDirProbe.check(ledger.folder());
        } catch (StateDirUnavailableException stateDirToo) {
            return stateDirToo;
        }
        return StateDirUnavailableException.dropFolder(sidecarFolder, "sidecar", e);
    }

    /** Closes the ledger entry of the upload this journal created or resumed, if any. */
    synchronized void ended() throws IOException {
        if (ref != null) {
            ledger.ended(ref);
        }
    }
}
