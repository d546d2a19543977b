package io.chute.multipart;

import java.io.IOException;

/**
 * A no-overwrite write found another object under the key (S3 answered 412 to If-None-Match, or the object was
 * there before the upload started) that was shown to differ from the file, or whose identity could not be shown
 * (the detail says which). Nothing was overwritten; any multipart upload for the key has been aborted.
 */
public final class ObjectExistsException extends IOException {

    private final String bucket;
    private final String key;

    public ObjectExistsException(String bucket, String key, String detail) {
        super("bucket=" + bucket + " key=" + key + " already holds another object (" + detail + ")");
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
