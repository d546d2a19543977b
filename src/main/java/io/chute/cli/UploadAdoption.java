package io.chute.cli;

import io.chute.checkpoint.Checkpoint;
import io.chute.checkpoint.FileSample;
import io.chute.checkpoint.SidecarHeader;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.engine.UploadEngine;
import io.chute.multipart.MultipartSession;
import io.chute.multipart.PartPlan;
import io.chute.stability.FileIdentity;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Adopts an open multipart upload, named by its id, for the file it was started from, when the checkpoint that
 * would resume it is gone (a sidecar deleted, a state dir lost, the upload begun on another host). It writes the
 * checkpoint the uploader would have written — the upload id, the part size the listed parts show, the checksum
 * type, the file's identity — with no part journaled. {@code chute upload FILE s3://BUCKET/KEY} then resumes from
 * it like from its own: a listed part is kept only when its size fits the plan and the CRC32C S3 lists for it
 * equals the file's bytes at that range; every other part is sent (again), the upload is completed and the object
 * verified. Nothing is trusted from the id alone, so a wrong file costs bytes, never a corrupt object.
 * <p>
 * Refused, with the reason, before anything is written: no such upload; an upload whose parts carry another
 * checksum algorithm, or none that this installation can vouch for (Chute sends CRC32C with every part, which a
 * store that records checksums refuses for an upload created without one); a file below the multipart threshold;
 * a file whose checkpoint already names another upload.
 */
final class UploadAdoption {

    /** What the listing showed: parts, the part size to plan with, and the checksum type. */
    record Listing(int parts, long bytes, long partSizeInBytes, boolean fullObjectChecksum) {
    }

    private UploadAdoption() {
    }

    /**
     * Writes the checkpoint for {@code file} (a real path) and returns what the listing showed; a
     * {@link CliFailure} when the upload cannot be adopted. An existing checkpoint for the same upload is kept.
     */
    static Listing adopt(UploadEngine engine, Path file, S3Uri target, String uploadId) throws IOException {
        FileIdentity identity = FileIdentity.of(file);
        if (!engine.objects().usesMultipart(identity.sizeInBytes())) {
            throw new CliFailure(file + " is smaller than chute.upload.multipart-threshold, so Chute uploads it "
                    + "with one PutObject: run chute upload, and chute uploads abort for the open upload");
        }
        String name = target + " upload " + uploadId;
        List<Part> parts = new ArrayList<>();
        ListPartsResponse first;
        try {
            // some stores (S3Proxy) answer ListParts for an id they never issued with an empty list
            boolean open = engine.s3().listMultipartUploadsPaginator(r -> r.bucket(target.bucket())
                            .prefix(target.key())).uploads().stream()
                    .anyMatch(u -> target.key().equals(u.key()) && uploadId.equals(u.uploadId()));
            if (!open) {
                throw NoSuchUploadException.builder().message("not listed").build();
            }
            first = engine.s3().listParts(r -> r.bucket(target.bucket()).key(target.key()).uploadId(uploadId));
            engine.s3().listPartsPaginator(r -> r.bucket(target.bucket()).key(target.key()).uploadId(uploadId))
                    .parts().stream().limit(10_000).forEach(parts::add);
        } catch (NoSuchUploadException e) {
            throw new CliFailure(name + ": no such upload (completed, aborted, or another key's)");
        } catch (S3Exception e) {
            throw new CliFailure(name + ": " + PresignCommand.errorOf(e));
        }
        requireCrc32c(engine, first, parts, name);
        long partSize = engine.objects().plan(identity.sizeInBytes(), partSizeShownBy(parts)).partSizeInBytes();
        boolean fullObject = first.checksumType() == ChecksumType.FULL_OBJECT;
        writeCheckpoint(engine, file, identity, target, uploadId, partSize, fullObject);
        return new Listing(parts.size(), parts.stream().mapToLong(p -> p.size() == null ? 0 : p.size()).sum(),
                partSize, fullObject);
    }

    /**
     * The size of every part but the last in a plan: the largest listed part (0, the configured size, when none
     * is listed or the largest is below S3's 5 MiB minimum). A wrong guess only means more parts sent again.
     */
    private static long partSizeShownBy(List<Part> parts) {
        long largest = parts.stream().mapToLong(p -> p.size() == null ? 0 : p.size()).max().orElse(0);
        return largest >= PartPlan.MIN_PART_BYTES ? largest : 0;
    }

    private static void requireCrc32c(UploadEngine engine, ListPartsResponse first, List<Part> parts, String name)
            throws IOException {
        ChecksumAlgorithm algorithm = first.checksumAlgorithm();
        if (algorithm != null && algorithm != ChecksumAlgorithm.CRC32_C) {
            throw new CliFailure(name + " was created with the " + first.checksumAlgorithmAsString() + " checksum; "
                    + "Chute continues only CRC32C uploads (its own). Finish it with the client that started it, or "
                    + "abort it (chute uploads abort) and upload the file afresh");
        }
        boolean partsShowCrc32c = parts.stream().anyMatch(p -> p.checksumCRC32C() != null);
        if (algorithm == null && !partsShowCrc32c && !ledgeredAsFileUpload(engine.ledger(), name, first.uploadId())) {
            throw new CliFailure(name + ": the store reports no checksum algorithm for it and this installation's "
                    + "ledger did not start it from a file, so it may have been created without one (as chute presign "
                    + "multipart and most clients do), and parts sent with CRC32C would be refused. Finish it with the "
                    + "client that started it (chute presign complete), or abort it and upload the file afresh");
        }
    }

    private static boolean ledgeredAsFileUpload(UploadLedger ledger, String name, String uploadId) throws IOException {
        return ledger.open().stream().anyMatch(e -> uploadId.equals(e.uploadId()) && e.path() != null);
    }

    private static void writeCheckpoint(UploadEngine engine, Path file, FileIdentity identity, S3Uri target,
                                        String uploadId, long partSize, boolean fullObject) throws IOException {
        SidecarStore sidecars = engine.sidecars();
        Optional<Checkpoint> existing = sidecars.load(file);
        if (existing.isPresent()) {
            SidecarHeader h = existing.get().header();
            if (h.uploadId().equals(uploadId)) {
                return; // its own checkpoint, with its journaled parts: the upload resumes from that
            }
            throw new CliFailure(file + " already has a checkpoint, for upload " + h.uploadId() + " of s3://"
                    + h.bucket() + "/" + h.key() + ": run chute upload to resume that one, or abort it first");
        }
        if (sidecars.sidecarNameOccupied(file)) {
            throw new CliFailure(sidecars.sidecarOf(file) + " is not Chute's; move it away to adopt the upload");
        }
        String sample;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            sample = FileSample.crc32cOf(ch);
        }
        PartPlan plan = engine.objects().plan(identity.sizeInBytes(), partSize);
        MultipartSession session = new MultipartSession(target.bucket(), target.key(), uploadId, plan, fullObject);
        SidecarHeader header = new SidecarHeader(SidecarHeader.VERSION, identity.sizeInBytes(),
                identity.mtimeMillis(), identity.fileKey(), sample, engine.endpointId(), target.bucket(),
                target.key(), uploadId, partSize, session.checksumName(), Instant.now().toString());
        try (SidecarStore.Journal journal = sidecars.journal(file, s -> header)) {
            journal.started(session);
        }
    }
}
