package io.chute.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The secret that signs sidecar records (HMAC-SHA256), kept as {@code installation.key} (0600) in the state
 * dir and created on first start. A sidecar signed under another key is treated as forged, so a copied or
 * hand-edited sidecar can never make Chute complete a wrong object.
 */
public final class InstallationKey {

    private static final int KEY_BYTES = 32;

    private InstallationKey() {
    }

    public static byte[] loadOrCreate(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path file = stateDir.resolve("installation.key");
        if (Files.exists(file)) {
            byte[] key = Files.readAllBytes(file);
            if (key.length != KEY_BYTES) {
                throw new IOException(file + " is " + key.length + " bytes, expected " + KEY_BYTES
                        + "; restore it from backup or delete it (existing sidecars will then be uploaded afresh)");
            }
            return key;
        }
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        Path tmp = Files.createTempFile(stateDir, "installation", ".tmp");
        Durable.restrictToOwner(tmp);
        Files.write(tmp, key, StandardOpenOption.WRITE);
        Durable.fsync(tmp);
        Durable.moveAtomically(tmp, file);
        return key;
    }

    static java.util.Set<java.nio.file.attribute.PosixFilePermission> ownerOnly() {
        return PosixFilePermissions.fromString("rw-------");
    }
}
