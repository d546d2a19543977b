package io.chute.upload;

import io.chute.multipart.ObjectProof;

/**
 * How one attempt to upload a file ended. Dispatch with {@link #accept}: a {@link Handler} must answer every
 * case, so adding an outcome is a compile error wherever outcomes are acted on (Java 17 has no exhaustive
 * pattern {@code switch}; the visitor gives the same guarantee).
 */
public sealed interface UploadOutcome {

    <R> R accept(Handler<R> handler);

    /** One method per outcome. */
    interface Handler<R> {
        R completed(Completed completed);

        R alreadyDone(AlreadyDone alreadyDone);

        R retryLater(RetryLater retryLater);

        R rejected(Rejected rejected);

        R sourceChanged(SourceChanged sourceChanged);

        R sourceGone(SourceGone sourceGone);

        R interrupted(Interrupted interrupted);
    }

    /** Stored and verified; the post-action may run. */
    record Completed(ObjectProof proof, boolean resumed) implements UploadOutcome {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.completed(this);
        }
    }

    /** Already uploaded earlier (receipt found); only the post-action is left. */
    record AlreadyDone() implements UploadOutcome {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.alreadyDone(this);
        }
    }

    /** Failed in a way worth retrying; {@code ruleWide} means the rule's bucket, credentials or state dir fail. */
    record RetryLater(FailureReason reason, String detail, boolean ruleWide) implements UploadOutcome {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.retryLater(this);
        }
    }

    /** Can never succeed for this file as it is (bad key, conflicting object...): quarantine. */
    record Rejected(FailureReason reason, String detail) implements UploadOutcome {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.rejected(this);
        }
    }

    /** The source changed during the upload; it goes back to the stability gate. */
    record SourceChanged(String detail) implements UploadOutcome {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.sourceChanged(this);
        }
    }

    /** The file vanished before or during its upload; nothing to do. */
    record SourceGone() implements UploadOutcome {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.sourceGone(this);
        }
    }

    /** Shutdown interrupted the upload; its checkpoint lets the next start resume it. */
    record Interrupted() implements UploadOutcome {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.interrupted(this);
        }
    }
}
