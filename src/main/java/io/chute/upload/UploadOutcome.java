package io.chute.upload;

import io.chute.multipart.ObjectProof;

/** How one attempt to upload a file ended. */
public sealed interface UploadOutcome {

    /** Stored and verified by HeadObject; the post-action may run. */
    record Completed(ObjectProof proof, boolean resumed) implements UploadOutcome {
    }

    /** Already uploaded earlier (receipt found); only the post-action is left. */
    record AlreadyDone() implements UploadOutcome {
    }

    /** Failed in a way worth retrying; {@code ruleWide} means the rule's bucket or credentials fail. */
    record RetryLater(FailureReason reason, String detail, boolean ruleWide) implements UploadOutcome {
    }

    /** Can never succeed for this file as it is (bad key, unverifiable object...): quarantine. */
    record Rejected(FailureReason reason, String detail) implements UploadOutcome {
    }

    /** The source changed during the upload; it goes back to the stability gate. */
    record SourceChanged(String detail) implements UploadOutcome {
    }

    /** The file vanished before or during its upload; nothing to do. */
    record SourceGone() implements UploadOutcome {
    }

    /** Shutdown interrupted the upload; its checkpoint lets the next start resume it. */
    record Interrupted() implements UploadOutcome {
    }
}
