package io.chute.cli;

import io.chute.config.ChuteConfig;
import io.chute.config.DropRule;
import io.chute.engine.UploadEngine;
import io.chute.multipart.ObjectOptions;
import io.chute.multipart.PartPlan;
import io.chute.upload.ObjectKeyResolver.InvalidKeyException;
import io.chute.upload.ObjectTargets;
import io.quarkus.runtime.annotations.RegisterForReflection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedUploadPartRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code chute presign multipart}: creates a multipart upload whose parts a client without credentials PUTs to
 * presigned URLs, records it in the ledger (so the janitor leaves it alone until its own expiry), and prints the
 * plan. The object's options come from a rule ({@code --rule}) and/or flags; with {@code --checksum-algorithm}
 * each part URL is signed for the checksum the client computed for that part.
 */
@RegisterForReflection // picocli reads its annotations reflectively, also in a native image
@Command(name = "multipart", mixinStandardHelpOptions = true,
        description = {
                "Creates a multipart upload and prints, as JSON, one presigned PUT URL per part:",
                "  {bucket, key, uploadId, size, partSize, expires, ledgerExpires, checksumAlgorithm, "
                        + "requiredHeaders, verification, parts: [{partNumber, url, offset, length, headers}]}",
                "The client PUTs bytes [offset, offset+length) of its file to each part's URL, with the part's "
                        + "headers (none unless a checksum is signed).",
                "Without --checksum-algorithm no checksum is signed into the URLs: integrity is checked by "
                        + "'chute presign complete' (part sizes, object size, and the SHA-256 with --expect-sha256, "
                        + "read back from S3).",
                "With --checksum-algorithm ALG --part-checksums FILE (one base64 checksum per part, in order, "
                        + "computed by the client) each URL is signed for its part's x-amz-checksum-ALG header: the "
                        + "client must send that header with that value, and the store refuses a part whose bytes do "
                        + "not match it. Without --part-checksums the parts get no URL; sign each one when the client "
                        + "has its checksum with 'chute presign part'.",
                "The upload is recorded in this installation's ledger, so 'chute uploads list' marks it ours and "
                        + "the janitor aborts it once --ledger-expires has passed (not before)."})
final class PresignMultipart implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "s3://BUCKET/KEY", converter = S3Uri.Converter.class)
    S3Uri target;
    @Option(names = "--size", required = true, paramLabel = "BYTES", converter = PresignCommand.SizeConverter.class,
            description = "Size of the object the client will upload.")
    long size;
    @Option(names = "--part-size", paramLabel = "SIZE", converter = PresignCommand.SizeConverter.class,
            description = "Part size, e.g. 8M (default: chute.upload.part-size, raised to fit chute.s3.max-parts;"
                    + " at least 5 MiB).")
    Long partSize;
    @Option(names = "--expires", defaultValue = "1h", paramLabel = "DURATION",
            converter = CleanupCommand.AgeConverter.class,
            description = "How long the part URLs are valid (default: ${DEFAULT-VALUE}; at most 7d).")
    Duration expires;
    @Option(names = "--ledger-expires", paramLabel = "DURATION", converter = CleanupCommand.AgeConverter.class,
            description = "How long the janitor leaves the open upload alone (default: --expires).")
    Duration ledgerExpires;
    @Option(names = "--checksum-algorithm", paramLabel = "ALG",
            description = "CRC32C, CRC32, SHA1 or SHA256: the upload checks every part against the checksum its URL "
                    + "is signed for.")
    String checksumAlgorithm;
    @Option(names = "--part-checksums", paramLabel = "FILE",
            description = "The client's checksum of each part, base64, one per line in part order ('-' reads stdin); "
                    + "needs --checksum-algorithm.")
    String partChecksums;
    @Option(names = "--rule", paramLabel = "NAME",
            description = "Take the object's options (storage class, SSE, tags, metadata, content type, cache "
                    + "control, ACL, expected bucket owner) from this rule of the configuration; flags override.")
    String rule;
    @Option(names = "--content-type", paramLabel = "TYPE", description = "Content-Type of the object.")
    String contentType;
    @Option(names = "--storage-class", paramLabel = "CLASS", description = "Storage class, e.g. STANDARD_IA.")
    String storageClass;
    @Option(names = "--sse", paramLabel = "ALGORITHM", description = "Server-side encryption: AES256 or aws:kms.")
    String sse;
    @Option(names = "--sse-kms-key-id", paramLabel = "KEY", description = "KMS key for --sse aws:kms.")
    String kmsKeyId;
    @Option(names = "--metadata", paramLabel = "NAME=VALUE", description = "User metadata (x-amz-meta-NAME); repeatable.")
    Map<String, String> metadata = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        S3Uri object = PresignCommand.objectOf(target, spec);
        ChuteConfig config = ChuteCommand.config();
        long configured = partSize != null ? partSize : config.upload().partSize().map(m -> m.asLongValue()).orElse(0L);
        PartPlan plan;
        try {
            plan = PartPlan.of(size, configured, config.s3().maxParts());
        } catch (IllegalArgumentException tooBig) {
            throw new CliFailure(tooBig.getMessage(), 2);
        }
        if (partChecksums != null && checksumAlgorithm == null) {
            throw new CliFailure("--part-checksums needs --checksum-algorithm", 2);
        }
        ChecksumAlgorithm algorithm = checksumAlgorithm == null ? null : PartChecksums.algorithm(checksumAlgorithm);
        List<String> checksums = partChecksums == null ? null
                : PartChecksums.read(partChecksums, algorithm, plan.partCount());
        ObjectOptions options = options(config, object);
        Duration protectedFor = ledgerExpires != null ? ledgerExpires : expires;
        try (UploadEngine engine = PresignCommand.engine(); S3Presigner presigner = engine.presigner()) {
            CreateMultipartUploadRequest.Builder create = options.applyTo(CreateMultipartUploadRequest.builder()
                    .bucket(object.bucket()).key(object.key()));
            if (algorithm != null) {
                create.checksumAlgorithm(algorithm);
            }
            String uploadId = engine.s3().createMultipartUpload(create.build()).uploadId();
            Instant now = Instant.now();
            engine.ledger().presigned(engine.endpointId(), object.bucket(), object.key(), uploadId,
                    now.plus(protectedFor));
            List<Map<String, Object>> parts = new ArrayList<>();
            for (int n = 1; n <= plan.partCount(); n++) {
                Map<String, Object> part = new LinkedHashMap<>();
                part.put("partNumber", n);
                if (algorithm == null || checksums != null) {
                    PresignedUploadPartRequest url = PresignPart.presign(presigner, object, uploadId, n, expires,
                            algorithm, checksums == null ? null : checksums.get(n - 1));
                    part.put("url", url.url().toString());
                    part.put("headers", PresignCommand.headersToSend(url.signedHeaders()));
                }
                part.put("offset", plan.offsetOf(n));
                part.put("length", plan.lengthOf(n));
                parts.add(part);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bucket", object.bucket());
            out.put("key", object.key());
            out.put("uploadId", uploadId);
            out.put("size", size);
            out.put("partSize", plan.partSizeInBytes());
            out.put("expires", now.plus(expires).toString());
            out.put("ledgerExpires", now.plus(protectedFor).toString());
            out.put("checksumAlgorithm", algorithm == null ? null : algorithm.toString());
            out.put("requiredHeaders", algorithm == null ? List.of() : List.of(PartChecksums.header(algorithm)));
            out.put("verification", verification(object, uploadId, algorithm, checksums != null));
            out.put("parts", parts);
            PresignCommand.printJson(out);
            return 0;
        }
    }

    private String verification(S3Uri object, String uploadId, ChecksumAlgorithm algorithm, boolean signed) {
        String complete = "chute presign complete " + object + " --upload-id " + uploadId + " --expect-size " + size
                + " [--expect-sha256 HEX]";
        if (algorithm == null) {
            return "no checksum is signed into the part URLs; run " + complete
                    + " to check part sizes, object size and SHA-256";
        }
        return "every part URL " + (signed ? "is" : "must be") + " signed for the part's " + PartChecksums.header(algorithm)
                + (signed ? "" : " (chute presign part " + object + " --upload-id " + uploadId
                        + " --part-number N --checksum-algorithm " + algorithm + " --checksum BASE64)")
                + " and the store checks each part's bytes against it; run " + complete;
    }

    /** The rule's options for this key (when --rule names one), each flag given replacing the rule's value. */
    private ObjectOptions options(ChuteConfig config, S3Uri object) {
        ObjectOptions base = ObjectOptions.DEFAULTS;
        if (rule != null) {
            ChuteConfig.Rule named = config.rules().stream().filter(r -> r.name().equals(rule)).findFirst()
                    .orElseThrow(() -> new CliFailure("--rule '" + rule + "' is not a rule of the configuration"
                            + (config.rules().isEmpty() ? " (it has none)" : "; its rules: " + config.rules().stream()
                                    .map(ChuteConfig.Rule::name).collect(Collectors.joining(", "))), 2));
            try {
                base = ObjectTargets.forKey(DropRule.from(named), object.key());
            } catch (InvalidKeyException e) {
                throw new CliFailure("--rule '" + rule + "': " + e.getMessage(), 2);
            }
        }
        Map<String, String> allMetadata = new LinkedHashMap<>(base.metadata());
        allMetadata.putAll(metadata);
        return new ObjectOptions(
                storageClass != null ? storageClass : base.storageClass(),
                sse != null ? sse : base.serverSideEncryption(),
                kmsKeyId != null ? kmsKeyId : base.kmsKeyId(),
                base.tags(),
                allMetadata,
                contentType != null ? contentType : base.contentType(),
                base.cacheControl(),
                base.acl(),
                base.expectedBucketOwner(),
                true);
    }
}
