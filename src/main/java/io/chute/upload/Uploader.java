package io.chute.upload;

import io.chute.stability.StableFile;

/** One attempt to store one stable file, and giving up on one; {@link FileUploader} is the real one. */
public interface Uploader {

    /** Stores the file (resuming its checkpoint when it has one); never throws for S3 or file failures. */
    UploadOutcome attempt(StableFile file);

    /** Aborts the file's checkpointed multipart upload, if any, and removes its checkpoint. */
    void abandon(StableFile file, String why);

    /** The file left its folder or Chute's hands (post-action, quarantine, gone): whatever it held is released. */
    default void released(StableFile file) {
    }
}
