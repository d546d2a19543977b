package io.chute.cli;

import io.chute.checkpoint.UploadLedger;
import io.chute.engine.UploadEngine;
import io.quarkus.runtime.annotations.RegisterForReflection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code chute uploads}: the open multipart uploads of a bucket (any client's), marked {@code ours} when this
 * installation's ledger recorded them, and aborting one named by its upload id. Nothing here aborts an upload
 * that the operator did not name.
 */
@RegisterForReflection // picocli reads its annotations reflectively, also in a native image
@Command(name = "uploads", mixinStandardHelpOptions = true,
        description = "Lists open multipart uploads (marking this installation's), resumes one from its file, and "
                + "aborts a named one.",
        subcommands = {UploadsCommand.ListUploads.class, UploadsCommand.Resume.class, UploadsCommand.Abort.class})
final class UploadsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name one of: list, resume, abort");
    }

    /** One open upload as listed. */
    record Row(String key, String uploadId, Instant initiated, long ageSeconds, int parts, long bytes, boolean ours) {
    }

    @RegisterForReflection
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists the open multipart uploads under s3://BUCKET[/PREFIX] (all pages), each with its "
                    + "key, upload id, initiation time, age, parts and bytes stored (ListParts), and whether this "
                    + "installation created it (ours: recorded in the upload ledger under chute.state-dir).",
                    "Changes nothing."})
    static final class ListUploads implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "s3://BUCKET[/PREFIX]", converter = S3Uri.Converter.class)
        S3Uri target;
        @Option(names = "--json", description = "Print a JSON array of {key, uploadId, initiated, ageSeconds, parts,"
                + " bytes, ours}.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (UploadEngine engine = PresignCommand.engine()) {
                S3Client s3 = engine.s3();
                Set<String> ours = engine.ledger().open().stream().map(UploadLedger.Entry::uploadId)
                        .filter(java.util.Objects::nonNull).collect(Collectors.toSet());
                Instant now = Instant.now();
                List<Row> rows = new ArrayList<>();
                try {
                    for (MultipartUpload u : s3.listMultipartUploadsPaginator(r -> r.bucket(target.bucket())
                            .prefix(target.key().isEmpty() ? null : target.key())).uploads()) {
                        int parts = 0;
                        long bytes = 0;
                        try {
                            for (Part p : s3.listPartsPaginator(r -> r.bucket(target.bucket()).key(u.key())
                                    .uploadId(u.uploadId())).parts()) {
                                parts++;
                                bytes += p.size() == null ? 0 : p.size();
                            }
                        } catch (NoSuchUploadException endedMeanwhile) {
                            continue;
                        }
                        Instant initiated = u.initiated();
                        rows.add(new Row(u.key(), u.uploadId(), initiated,
                                initiated == null ? -1 : Duration.between(initiated, now).toSeconds(), parts, bytes,
                                ours.contains(u.uploadId())));
                    }
                } catch (S3Exception e) {
                    throw new CliFailure(target + ": " + PresignCommand.errorOf(e));
                }
                if (json) {
                    List<Map<String, Object>> out = new ArrayList<>();
                    for (Row r : rows) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("key", r.key());
                        m.put("uploadId", r.uploadId());
                        m.put("initiated", r.initiated() == null ? null : r.initiated().toString());
                        m.put("ageSeconds", r.ageSeconds());
                        m.put("parts", r.parts());
                        m.put("bytes", r.bytes());
                        m.put("ours", r.ours());
                        out.add(m);
                    }
                    PresignCommand.printJson(out);
                    return 0;
                }
                for (Row r : rows) {
                    System.out.printf("%s  s3://%s/%s  uploadId=%s  initiated=%s  age=%s  parts=%d  bytes=%d%n",
                            r.ours() ? "ours   " : "foreign", target.bucket(), r.key(), r.uploadId(), r.initiated(),
                            r.ageSeconds() < 0 ? "?" : Units.duration(r.ageSeconds()), r.parts(), r.bytes());
                }
                System.out.printf("%d open upload(s), %d of them this installation's%n", rows.size(),
                        rows.stream().filter(Row::ours).count());
                return 0;
            }
        }
    }

    @RegisterForReflection
    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = {"Continues the open multipart upload named by its key and upload id from FILE, when the "
                    + "checkpoint that would resume it is gone (sidecar deleted, state dir lost, begun on another "
                    + "host): writes that checkpoint (part size from the listed parts, no part trusted yet), then "
                    + "runs chute upload FILE s3://BUCKET/KEY. A listed part is kept only when its size fits and the "
                    + "CRC32C the store lists for it equals FILE's bytes at that range; every other part is sent "
                    + "again; the object is completed and verified like any upload.",
                    "Only CRC32C uploads (Chute's own) can be continued: one created with another checksum, or "
                            + "without one (chute presign multipart, most clients), is refused with the reason.",
                    "Exit status: as chute upload (0 stored and verified; 1 refused or failed; 130 interrupted, "
                            + "rerun chute upload to resume)."})
    static final class Resume implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "s3://BUCKET/KEY", converter = S3Uri.Converter.class)
        S3Uri target;
        @Parameters(index = "1", paramLabel = "FILE", description = "The file the upload was started from.")
        java.nio.file.Path file;
        @Option(names = "--upload-id", required = true, paramLabel = "ID", description = "The upload to continue.")
        String uploadId;
        @Option(names = "--progress", defaultValue = "auto", paramLabel = "STYLE",
                description = "auto (a bar on a terminal, lines otherwise), bar, lines or none; on stderr.")
        UploadCommand.Progress progress;

        @Override
        public Integer call() throws Exception {
            S3Uri object = PresignCommand.objectOf(target, spec);
            java.nio.file.Path source = file.toAbsolutePath().normalize();
            if (!java.nio.file.Files.isRegularFile(source)) {
                throw new CliFailure(file + ": no such file");
            }
            UploadAdoption.Listing listing;
            try (UploadEngine engine = PresignCommand.engine()) {
                listing = UploadAdoption.adopt(engine, source.toRealPath(), object, uploadId);
            }
            System.err.printf("chute: continuing upload %s of %s from %s: %d part(s), %d bytes listed; part size %d;"
                    + " a listed part is kept when its CRC32C matches the file%n", uploadId, object, file,
                    listing.parts(), listing.bytes(), listing.partSizeInBytes());
            return UploadCommand.ofFile(file, object, progress).call();
        }
    }

    @RegisterForReflection
    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = {"Aborts the one multipart upload named by its key and upload id (any client's: naming "
                    + "it is the consent). Its parts are deleted; the ledger entry, if ours, is closed.",
                    "Exit status: 0 aborted; 1 no such upload or the abort was refused."})
    static final class Abort implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "s3://BUCKET/KEY", converter = S3Uri.Converter.class)
        S3Uri target;
        @Option(names = "--upload-id", required = true, paramLabel = "ID", description = "The upload to abort.")
        String uploadId;

        @Override
        public Integer call() throws Exception {
            try (UploadEngine engine = PresignCommand.engine()) {
                try {
                    engine.s3().abortMultipartUpload(r -> r.bucket(target.bucket()).key(target.key())
                            .uploadId(uploadId));
                } catch (S3Exception e) {
                    throw new CliFailure(target + " upload " + uploadId + ": " + PresignCommand.errorOf(e));
                }
                PresignCommand.endInLedger(engine.ledger(), uploadId);
                System.out.printf("aborted %s uploadId=%s%n", target, uploadId);
                return 0;
            }
        }
    }
}
