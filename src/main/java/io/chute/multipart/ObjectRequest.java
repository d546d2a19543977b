package io.chute.multipart;

import io.chute.stability.FileIdentity;
import io.chute.stability.SourceFolder;

import java.nio.file.Path;

/**
 * One file to store as one object, with the identity it must keep while it is read and how it is stored;
 * {@code source} is the folder every stat and open of the file goes through (see {@link SourceFolder}).
 */
public record ObjectRequest(Path file, FileIdentity identity, String bucket, String key, ObjectOptions options,
                            SourceFolder source) {

    /** A request for a file read through its own parent folder, following no link. */
    public ObjectRequest(Path file, FileIdentity identity, String bucket, String key, ObjectOptions options) {
        this(file, identity, bucket, key, options, SourceFolder.parentOf(file));
    }

    /** The same file and options under another key (a no-overwrite conflict's alternative key). */
    public ObjectRequest withKey(String otherKey) {
        return new ObjectRequest(file, identity, bucket, otherKey, options, source);
    }
}
