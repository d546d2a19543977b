package io.chute.multipart;

import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Optional;

/**
 * What {@link ObjectUploader} does for no-overwrite requests ({@link ObjectOptions#overwrite()} false) when the
 * key is or becomes taken: an object with the file's size and checksum is this file (its proof is returned,
 * nothing more is written); any other object raises {@link ObjectExistsException}.
 */
final class NoOverwrite {

    private static final Logger LOG = Logger.getLogger(NoOverwrite.class);

    private final ObjectVerifier verifier;

    NoOverwrite(ObjectVerifier verifier) {
        this.verifier = verifier;
    }

    /** S3's answer to {@code If-None-Match: *} when the key already holds an object. */
    static boolean isPreconditionFailed(S3Exception e) {
        return e.statusCode() == 412;
    }

    /** PutObject was refused with 412. */
    ObjectProof afterPutRefused(ObjectRequest request, PartDigest digest) throws ObjectExistsException {
        return verifier.sameObject(request, List.of(digest), false, null)
                .orElseThrow(() -> new ObjectExistsException(request.bucket(), request.key(), "PutObject got 412"));
    }

    /**
     * Before a fresh multipart upload sends any part: empty when the key is free (or overwriting is allowed),
     * the proof when it already holds this file; a conflict costs one HEAD instead of a whole upload.
     * If-None-Match on Complete still decides races.
     */
    Optional<ObjectProof> beforeStart(ObjectRequest request, FileChannel channel, PartPlan plan) throws IOException {
        if (request.options().overwrite() || verifier.head(request).isEmpty()) {
            return Optional.empty();
        }
        Optional<ObjectProof> same = verifier.existing(request, channel, plan);
        if (same.isEmpty()) {
            throw new ObjectExistsException(request.bucket(), request.key(), "found before the upload started");
        }
        LOG.infof("path=%s bucket=%s key=%s already holds this file; nothing written", request.file(),
                request.bucket(), request.key());
        return same;
    }

    /**
     * CompleteMultipartUpload was refused with 412: another writer stored the key while the parts were sent.
     * The upload can never complete, so {@code abort} runs first; then the stored object is compared.
     */
    ObjectProof afterCompleteRefused(ObjectRequest request, FileChannel channel, MultipartSession session,
                                     Runnable abort) throws IOException {
        abort.run();
        return verifier.existing(request, channel, session.plan()).orElseThrow(() -> new ObjectExistsException(
                request.bucket(), request.key(), "CompleteMultipartUpload got 412; upload " + session.uploadId()
                + " aborted"));
    }
}
