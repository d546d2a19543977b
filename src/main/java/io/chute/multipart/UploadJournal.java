package io.chute.multipart;

import java.io.IOException;
import java.util.Collection;

/**
 * Where the multipart engine reports durable progress; implemented by the checkpoint stage. Called from
 * upload threads; implementations must be thread-safe. An exception stops the upload (nothing is aborted).
 */
public interface UploadJournal {

    /** Right before CreateMultipartUpload, so a crash just after it still leaves a trace. */
    default void creating(String bucket, String key) throws IOException {
    }

    /** Right after CreateMultipartUpload, before any part is sent. */
    void started(MultipartSession session) throws IOException;

    /** When a checkpointed upload is continued, with the parts S3 confirmed; replaces what was recorded. */
    void resumed(MultipartSession session, Collection<CompletedPart> confirmed) throws IOException;

    /** After S3 acknowledged a part. */
    void partCompleted(CompletedPart part) throws IOException;

    UploadJournal NONE = new UploadJournal() {
        @Override
        public void started(MultipartSession session) {
        }

        @Override
        public void resumed(MultipartSession session, Collection<CompletedPart> confirmed) {
        }

        @Override
        public void partCompleted(CompletedPart part) {
        }
    };
}
