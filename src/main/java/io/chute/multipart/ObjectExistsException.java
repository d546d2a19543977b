package io.chute.multipart;

import java.io.IOException;

/**
 * A no-overwrite write found another object under the key (S3 answered 412 to If-None-Match, or the object was
 * there before the upload started) whose size or checksum differ from the file's. Nothing was overwritten; any
 * multipart upload for the key has been aborted.
 */
public final class ObjectExistsException extends IOException {

    private final String bucket;
    private final String key;

    public ObjectExistsException(String bucket, String key, String detail) {
        super("bucket=" + bucket + " key=" + key + " already holds a different object (" + detail + ")");
        this.bucket = bucket;
        this.key = key;
    }

    public String bucket() {
        return bucket;
    }

    public String key() {
        return key;
    }
}
