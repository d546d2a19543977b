package io.chute.completion;

import io.chute.checkpoint.SidecarStore;
import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.config.DropRule;
import io.chute.faults.CrashPoint;
import io.chute.multipart.ObjectProof;
import io.chute.stability.FileIdentity;
import io.chute.stability.SourceFolder;
import io.chute.stability.StableFile;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Optional;

/**
 * The only code that deletes, moves or renames source files. Runs strictly after HeadObject verified the
 * object, in a crash-safe order: receipt, then post-action, then sidecar removal. Each step is idempotent, so
 * replaying the sequence after a crash (the receipt is found on restart) finishes the job.
 */
public final class Completion {

    private static final Logger LOG = Logger.getLogger(Completion.class);

    private final ReceiptStore receipts;
    private final SidecarStore sidecars;
    private final Path stateDir;
    private final Clock clock;

    public Completion(ReceiptStore receipts, SidecarStore sidecars, Path stateDir, Clock clock) {
        this.receipts = receipts;
        this.sidecars = sidecars;
        this.stateDir = stateDir;
        this.clock = clock;
    }

    /** Whether an unchanged file was already uploaded (its receipt exists). */
    public Optional<Receipt> alreadyUploaded(DropRule rule, Path file, FileIdentity identity) {
        return receipts.find(rule.name(), file, identity);
    }

    /**
     * Records the verified upload and applies the rule's post-action. Only {@code keep} rules write a receipt
     * (fsync'd): it is what stops an unchanged kept file from being uploaded again. For {@code delete} and
     * {@code move} the source is gone right after, and a crash in between is already safe without one: the
     * restarted daemon finds the file again, a multipart checkpoint leads to the completed object (verified
     * against the file), and a small file is put again with the same bytes under the same key. A receipt there
     * would cost an fsync per file to save one request after a crash.
     */
    public void uploaded(StableFile file, ObjectProof proof) throws IOException {
        CrashPoint.AFTER_VERIFY.reached();
        if (file.rule().afterUpload() == AfterUpload.KEEP) {
            receipts.record(file.rule().name(), file.path(), file.identity(), proof, clock.instant());
        }
        CrashPoint.AFTER_RECEIPT.reached();
        finish(file.rule(), file.path(), file.identity());
    }

    /**
     * Applies the post-action and removes the sidecar; also used to finish work a crash interrupted. The file
     * is only checked to be inside the rule's folder (its identity is not known).
     */
    public void finish(DropRule rule, Path file) throws IOException {
        finish(rule, file, null);
    }

    /**
     * Applies the post-action to the file found stable with {@code expected} (null: not known) and removes
     * the sidecar. Delete and move go through the rule's folder, following no link
     * ({@link SourceFolder}); a file outside it, or another file under the name, throws
     * {@link SourceFolder.RefusedException} and is left untouched, its sidecar too.
     */
    public void finish(DropRule rule, Path file, FileIdentity expected) throws IOException {
        AfterUpload action = rule.afterUpload();
        SourceFolder source = SourceFolder.of(rule);
        switch (action) {
            case KEEP -> source.check(file, expected);
            case DELETE -> source.delete(file, expected);
            case MOVE -> moveInto(archiveDirNow(rule.archiveDir().orElseThrow()), rule, file, expected);
        }
        CrashPoint.AFTER_POST_ACTION.reached();
        if (action != AfterUpload.KEEP) {
            deleteMarker(rule, file);
        }
        sidecars.delete(file);
        if (action != AfterUpload.KEEP) {
            receipts.remove(rule.name(), file); // the source is gone; nothing can be uploaded twice
        }
    }

    /** Moves a file that exhausted its attempts into quarantine with a {@code .reason} file beside it. */
    public Path quarantine(DropRule rule, Path file, String reason, int attempts) throws IOException {
        return quarantine(rule, file, null, reason, attempts);
    }

    /**
     * Moves a file into quarantine, through the rule's folder and only while it still has {@code expected}
     * (null: any file inside the folder), with a {@code .reason} file beside it.
     */
    public Path quarantine(DropRule rule, Path file, FileIdentity expected, String reason, int attempts)
            throws IOException {
        Path dir = rule.quarantineDir().orElse(stateDir.resolve("quarantine").resolve(rule.name()));
        Path target = moveInto(dir, rule, file, expected);
        String text = "file: " + file + "\nrule: " + rule.name() + "\nattempts: " + attempts + "\nwhen: "
                + clock.instant() + "\nreason: " + reason + "\n";
        writeWhole(target.resolveSibling(target.getFileName() + ".reason"), text);
        sidecars.delete(file);
        deleteMarker(rule, file);
        LOG.errorf("rule=%s path=%s quarantined to %s after %d attempts: %s", rule.name(), file, target, attempts, reason);
        return target;
    }

    /** Writes via a hidden temporary sibling and a rename, so a reader sees no reason file or a whole one. */
    private static void writeWhole(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A marker outliving its file would make the next file of that name look complete while it is still being
     * written, so it goes with the file (keep leaves both: producers must remove the marker before rewriting).
     */
    private static void deleteMarker(DropRule rule, Path file) throws IOException {
        Optional<Path> marker = rule.markerOf(file);
        if (marker.isPresent()) {
            SourceFolder.of(rule).deleteCompanion(marker.get());
        }
    }

    /** The archive folder with {yyyy} {MM} {dd} {HH} replaced by the current UTC date. */
    private Path archiveDirNow(Path template) {
        java.time.ZonedDateTime now = clock.instant().atZone(java.time.ZoneOffset.UTC);
        return Path.of(template.toString()
                .replace("{yyyy}", String.format("%04d", now.getYear()))
                .replace("{MM}", String.format("%02d", now.getMonthValue()))
                .replace("{dd}", String.format("%02d", now.getDayOfMonth()))
                .replace("{HH}", String.format("%02d", now.getHour())));
    }

    /**
     * Moves the file through the rule's folder ({@link SourceFolder#moveTo}) to the same relative path under
     * {@code dir}; the relative path is resolved as a path, not as text, so names that are not valid UTF-8 keep
     * their bytes.
     */
    private Path moveInto(Path dir, DropRule rule, Path file, FileIdentity expected) throws IOException {
        Path relative = rule.folder().relativize(file.toAbsolutePath().normalize());
        Path target = dir.resolve(relative);
        Files.createDirectories(target.getParent());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            target = target.resolveSibling(target.getFileName() + "." + clock.millis());
        }
        try {
            SourceFolder.of(rule).moveTo(file, expected, target);
        } catch (NoSuchFileException alreadyMoved) {
            return target; // already moved before a crash
        }
        return target;
    }
}
