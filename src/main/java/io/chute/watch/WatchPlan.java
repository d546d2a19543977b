package io.chute.watch;

import io.chute.config.ChuteConfig.WatchMode;
import io.chute.config.DropRule;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Set;

/**
 * Chooses how a rule's folder is watched. {@code auto} uses kernel events only where they are trustworthy:
 * local file systems on Linux and Windows. Network and FUSE file systems do not report changes made by other
 * hosts, and macOS's JDK WatchService is itself a slow poller, so those are polled.
 */
public final class WatchPlan {

    /** File-system types (as {@code FileStore.type()} reports them on Linux) whose events cannot be trusted. */
    private static final Set<String> REMOTE_TYPES = Set.of("nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs",
            "9p", "afs", "ceph", "glusterfs", "lustre", "gpfs", "davfs", "sshfs", "fuseblk", "fuse", "virtiofs",
            "vboxsf", "vmhgfs");

    /** The decision for one rule, with the reason shown in logs and status. */
    public record Decision(boolean events, String reason) {
        public String describe(DropRule rule) {
            return events ? "events (" + reason + ")" : "poll every " + rule.pollInterval() + " (" + reason + ")";
        }
    }

    private WatchPlan() {
    }

    public static Decision decide(DropRule rule) {
        if (rule.watchMode() == WatchMode.POLL) {
            return new Decision(false, "watch-mode: poll");
        }
        if (rule.watchMode() == WatchMode.EVENTS) {
            return new Decision(true, "watch-mode: events");
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") && !os.contains("windows")) {
            return new Decision(false, "auto: no kernel file events on " + System.getProperty("os.name"));
        }
        String type = fileSystemType(rule);
        if (REMOTE_TYPES.contains(type) || type.startsWith("fuse.")) {
            return new Decision(false, "auto: " + type + " does not report changes made elsewhere");
        }
        return new Decision(true, "auto: local " + (type.isEmpty() ? "file system" : type));
    }

    private static String fileSystemType(DropRule rule) {
        try {
            return Files.getFileStore(rule.folder()).type().toLowerCase(Locale.ROOT);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Whether a registration failure is the kernel's inotify watch or instance limit. */
    public static boolean isInotifyLimit(IOException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("inotify") || message.contains("User limit");
    }

    /** The log text naming the kernel setting to raise. */
    public static String inotifyAdvice(IOException e) {
        String setting = String.valueOf(e.getMessage()).contains("instances") ? "fs.inotify.max_user_instances"
                : "fs.inotify.max_user_watches";
        return "the kernel's inotify limit was hit (" + e.getMessage() + "); raise " + setting
                + " (sysctl -w " + setting + "=<larger>) to use events again";
    }
}
