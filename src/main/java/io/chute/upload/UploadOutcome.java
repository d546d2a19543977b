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

        R kept(Kept kept);
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

    /**
     * Failed in a way worth retrying. {@code scope} says what failed: this file (its attempts count towards
     * quarantine), its rule (bucket, credentials, a feature the store lacks: the rule pauses), or the state dir
     * (every upload that depends on it pauses); only a file's own failures count towards quarantine.
     */
    record RetryLater(FailureReason reason, String detail, Scope scope) implements UploadOutcome {

        /** What a failure is about, and so what waits for it. */
        public enum Scope { FILE, RULE, STATE_DIR }

        /** {@code ruleWide}: the rule's scope, else the file's. */
        public RetryLater(FailureReason reason, String detail, boolean ruleWide) {
            this(reason, detail, ruleWide ? Scope.RULE : Scope.FILE);
        }

        /** Whether the failure is not this file's own (its rule's store or credentials, or the state dir). */
        public boolean ruleWide() {
            return scope != Scope.FILE;
        }

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

    /**
     * The path no longer leads to the file found stable inside the rule's folder (a symbolic link now on its way,
     * or another file under its name): it is neither read nor deleted nor moved; {@code reason} is
     * {@code outside_root} or {@code identity_changed}.
     */
    record Kept(String reason, String detail) implements UploadOutcome {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.kept(this);
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
