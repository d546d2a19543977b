package io.chute.cli;

import io.chute.engine.UploadEngine;
import io.quarkus.runtime.annotations.RegisterForReflection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedUploadPartRequest;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code chute presign part}: one part's presigned PUT URL for an open upload, signed when the client asks for it:
 * with the checksum the client just computed for that part, or again after the first URL expired.
 */
@RegisterForReflection // picocli reads its annotations reflectively, also in a native image
@Command(name = "part", mixinStandardHelpOptions = true,
        description = {"Prints a presigned PUT URL for one part of an open multipart upload (e.g. one made by "
                + "'chute presign multipart'): to sign a part with the checksum the client computed for it, or to "
                + "replace a URL that expired.",
                "With --checksum-algorithm ALG --checksum BASE64 the URL is signed for the x-amz-checksum-ALG header: "
                        + "the client must send it with that value (--json lists it under headers), and the store "
                        + "refuses bytes that do not match it."})
final class PresignPart implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "s3://BUCKET/KEY", converter = S3Uri.Converter.class)
    S3Uri target;
    @Option(names = "--upload-id", required = true, paramLabel = "ID", description = "The open upload.")
    String uploadId;
    @Option(names = "--part-number", required = true, paramLabel = "N", description = "The part, 1 to 10000.")
    int partNumber;
    @Option(names = "--checksum-algorithm", paramLabel = "ALG", description = "CRC32C, CRC32, SHA1 or SHA256.")
    String checksumAlgorithm;
    @Option(names = "--checksum", paramLabel = "BASE64", description = "The part's checksum, base64 (needs "
            + "--checksum-algorithm).")
    String checksum;
    @Option(names = "--expires", defaultValue = "1h", paramLabel = "DURATION",
            converter = CleanupCommand.AgeConverter.class,
            description = "How long the URL is valid (default: ${DEFAULT-VALUE}; at most 7d).")
    Duration expires;
    @Option(names = "--json", description = "Print {method, url, expires, headers} as JSON instead of the bare URL.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        S3Uri object = PresignCommand.objectOf(target, spec);
        if (partNumber < 1 || partNumber > 10_000) {
            throw new CliFailure("--part-number " + partNumber + " is not between 1 and 10000", 2);
        }
        if ((checksumAlgorithm == null) != (checksum == null)) {
            throw new CliFailure("--checksum-algorithm and --checksum go together", 2);
        }
        ChecksumAlgorithm algorithm = checksumAlgorithm == null ? null : PartChecksums.algorithm(checksumAlgorithm);
        String value = algorithm == null ? null : PartChecksums.validated(algorithm, checksum, "--checksum");
        try (UploadEngine engine = PresignCommand.engine(); S3Presigner presigner = engine.presigner()) {
            PresignedUploadPartRequest url = presign(presigner, object, uploadId, partNumber, expires, algorithm, value);
            return PresignCommand.printUrl("PUT", url.url().toString(), expires,
                    PresignCommand.headersToSend(url.signedHeaders()), json);
        }
    }

    /** One part's URL; with a checksum, signed for its header and value. */
    static PresignedUploadPartRequest presign(S3Presigner presigner, S3Uri object, String uploadId, int partNumber,
                                              Duration expires, ChecksumAlgorithm algorithm, String checksum) {
        UploadPartRequest.Builder part = UploadPartRequest.builder().bucket(object.bucket()).key(object.key())
                .uploadId(uploadId).partNumber(partNumber);
        if (algorithm != null && checksum != null) {
            PartChecksums.signed(part, algorithm, checksum);
        }
        UploadPartRequest request = part.build();
        return presigner.presignUploadPart(r -> r.signatureDuration(expires).uploadPartRequest(request));
    }
}
