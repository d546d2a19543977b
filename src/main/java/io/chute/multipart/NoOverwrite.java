package io.chute.multipart;

import io.chute.multipart.ObjectIdentity.Verdict;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.Optional;

/**
 * What {@link ObjectUploader} does for no-overwrite requests ({@link ObjectOptions#overwrite()} false) when the
 * key is or becomes taken: an object shown to be this file ({@link ObjectIdentity}: Chute's checksum, an MD5 or
 * multipart ETag, or a bounded read-back) is returned as the proof and nothing more is written; an object shown
 * to differ, or one whose identity cannot be shown, raises {@link ObjectExistsException} naming which. A 412 is
 * settled by HeadObject first: with the key free it was not a conflict (a proxy's or store's glitch) and the
 * write is tried again.
 */
final class NoOverwrite {

    private static final Logger LOG = Logger.getLogger(NoOverwrite.class);

    private final ObjectVerifier verifier;
    private final ObjectIdentity identity;

    NoOverwrite(ObjectVerifier verifier, ObjectIdentity identity) {
        this.verifier = verifier;
        this.identity = identity;
    }

    /** S3's answer to {@code If-None-Match: *} when the key already holds an object. */
    static boolean isPreconditionFailed(S3Exception e) {
        return e.statusCode() == 412;
    }

    /**
     * A conditional write was refused with 412. Empty when HeadObject finds the key free (the caller may write
     * again); the proof when the stored object is this file; otherwise {@link ObjectExistsException}.
     */
    Optional<ObjectProof> afterRefused(ObjectRequest request, FileChannel channel, PartPlan plan, String what)
            throws IOException {
        Optional<HeadObjectResponse> head = verifier.head(request);
        if (head.isEmpty()) {
            LOG.infof("bucket=%s key=%s %s got 412 Precondition Failed but no object is stored there; writing again",
                    request.bucket(), request.key(), what);
            return Optional.empty();
        }
        return Optional.of(settle(request, channel, plan, head.get(), what + " got 412"));
    }

    /**
     * Before a fresh multipart upload sends any part: empty when the key is free (or overwriting is allowed),
     * the proof when it already holds this file; a conflict costs one HEAD instead of a whole upload.
     * If-None-Match on Complete still decides races.
     */
    Optional<ObjectProof> beforeStart(ObjectRequest request, FileChannel channel, PartPlan plan) throws IOException {
        if (request.options().overwrite()) {
            return Optional.empty();
        }
        Optional<HeadObjectResponse> head = verifier.head(request);
        if (head.isEmpty()) {
            return Optional.empty();
        }
        ObjectProof same = settle(request, channel, plan, head.get(), "found before the upload started");
        LOG.infof("path=%s bucket=%s key=%s already holds this file (shown by %s); nothing written", request.file(),
                request.bucket(), request.key(), same.verifiedBy());
        return Optional.of(same);
    }

    private ObjectProof settle(ObjectRequest request, FileChannel channel, PartPlan plan, HeadObjectResponse head,
                               String context) throws IOException {
        Verdict verdict = identity.compare(request, channel, plan, head);
        if (verdict instanceof Verdict.Same same) {
            return same.proof();
        }
        String why = verdict instanceof Verdict.Different d ? d.why() : ((Verdict.Unproven) verdict).why();
        throw new ObjectExistsException(request.bucket(), request.key(), context + "; " + why);
    }
}
