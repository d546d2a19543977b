package io.chute.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A write of Chute's own state failed: the ledger, a receipt, a sidecar, a quarantine reason. The operating
 * system's reason (no space, read-only file system, I/O error, permission) is the cause; what matters for what
 * happens next is where: {@link #inStateDir()} is the state dir every upload depends on, otherwise the drop
 * folder that holds sidecars beside its files ({@code chute.sidecars: beside}), which only its rule depends on.
 */
public final class StateDirUnavailableException extends IOException {

    private final Path folder;
    private final boolean inStateDir;

    private StateDirUnavailableException(Path folder, boolean inStateDir, String what, IOException cause) {
        super((inStateDir ? "state dir " : "drop folder ") + folder + " cannot be written (" + what + "): "
                + cause.getMessage(), cause);
        this.folder = folder;
        this.inStateDir = inStateDir;
    }

    /** A failed write of {@code what} under the state dir {@code stateDir}. */
    public static StateDirUnavailableException stateDir(Path stateDir, String what, IOException cause) {
        return cause instanceof StateDirUnavailableException same ? same
                : new StateDirUnavailableException(stateDir, true, what, cause);
    }

    /** A failed write of a sidecar beside its file in the drop folder {@code folder}. */
    public static StateDirUnavailableException dropFolder(Path folder, String what, IOException cause) {
        return cause instanceof StateDirUnavailableException same ? same
                : new StateDirUnavailableException(folder, false, what, cause);
    }

    /** The folder that cannot be written. */
    public Path folder() {
        return folder;
    }

    /** True for the state dir, false for a drop folder holding sidecars beside its files. */
    public boolean inStateDir() {
        return inStateDir;
    }
}
