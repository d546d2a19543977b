package io.chute.multipart;

import io.chute.stability.FileIdentity;

import java.nio.file.Path;

/** One file to store as one object, with the identity it must keep while it is read and how it is stored. */
public record ObjectRequest(Path file, FileIdentity identity, String bucket, String key, ObjectOptions options) {

    /** The same file and options under another key (a no-overwrite conflict's alternative key). */
    public ObjectRequest withKey(String otherKey) {
        return new ObjectRequest(file, identity, bucket, otherKey, options);
    }
}
