package io.chute.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whether a folder can take a new file now: creates a hidden file, writes one block, syncs it and removes it.
 * Appending a line to an existing file can still succeed on a full file system (the line fits the file's last
 * block), so only a new block shows that the next sidecar, receipt or ledger rewrite will fit.
 */
public final class StateDirProbe {

    /** One block on the common file systems (ext4, xfs, tmpfs pages). */
    static final int BLOCK_BYTES = 4096;

    private StateDirProbe() {
    }

    /** Throws {@link StateDirUnavailableException} (cause: the system's reason) when {@code stateDir} cannot be written. */
    public static void check(Path stateDir) throws StateDirUnavailableException {
        try {
            Files.createDirectories(stateDir);
            Path probe = Files.createTempFile(stateDir, ".chute-probe", ".tmp");
            try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.WRITE)) {
                ByteBuffer block = ByteBuffer.allocate(BLOCK_BYTES);
                while (block.hasRemaining()) {
                    channel.write(block);
                }
                channel.force(true);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException e) {
            throw StateDirUnavailableException.stateDir(stateDir, "probe write", e);
        }
    }
}
