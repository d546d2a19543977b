package io.chute.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chute.checkpoint.UploadLedger;
import io.chute.engine.UploadEngine;
import io.chute.multipart.TransferListener;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code chute presign}: presigned URLs for clients without credentials, signed with the SDK's
 * {@link S3Presigner} on the connection {@code chute.s3} (endpoint, region, path-style, credentials). A URL is
 * valid until its expiry (SigV4 allows at most 7 days; temporary credentials end it earlier).
 */
@RegisterForReflection // picocli reads its annotations reflectively, also in a native image
@Command(name = "presign", mixinStandardHelpOptions = true,
        description = "Presigned URLs for clients without credentials: get, put, and multipart uploads "
                + "(multipart, part when a URL is needed later, then complete).",
        subcommands = {PresignCommand.Get.class, PresignCommand.Put.class, PresignMultipart.class,
                PresignPart.class, PresignCommand.Complete.class})
final class PresignCommand implements Callable<Integer> {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** {@code presign complete}: parts are missing; the upload stays open. */
    static final int EXIT_PARTS_MISSING = 3;
    /** {@code presign complete}: the object was assembled but its size or SHA-256 is not the expected one. */
    static final int EXIT_VERIFICATION_FAILED = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name one of: get, put, multipart, part, complete");
    }

    static UploadEngine engine() throws IOException {
        return UploadEngine.open(ChuteCommand.config(), TransferListener.NONE, Clock.systemUTC());
    }

    static void printJson(Object value) throws IOException {
        System.out.println(JSON.writeValueAsString(value));
    }

    /** A key is required: presigning a bucket or a "folder" is a usage error. */
    static S3Uri objectOf(S3Uri target, CommandLine.Model.CommandSpec spec) {
        if (target.key().isEmpty() || target.key().endsWith("/")) {
            throw new CommandLine.ParameterException(spec.commandLine(), target + " names no object key");
        }
        return target;
    }

    @RegisterForReflection
    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Prints a presigned GET URL of an object (to share it for download).")
    static final class Get implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "s3://BUCKET/KEY", converter = S3Uri.Converter.class)
        S3Uri target;
        @Option(names = "--expires", defaultValue = "15m", paramLabel = "DURATION",
                converter = CleanupCommand.AgeConverter.class,
                description = "How long the URL is valid, e.g. 30s, 15m, 12h (default: ${DEFAULT-VALUE}; at most 7d).")
        Duration expires;
        @Option(names = "--json", description = "Print {method, url, expires} as JSON instead of the bare URL.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            S3Uri object = objectOf(target, spec);
            try (UploadEngine engine = engine(); S3Presigner presigner = engine.presigner()) {
                String url = presigner.presignGetObject(r -> r.signatureDuration(expires)
                        .getObjectRequest(g -> g.bucket(object.bucket()).key(object.key()))).url().toString();
                return printUrl("GET", url, expires, json);
            }
        }
    }

    @RegisterForReflection
    @Command(name = "put", mixinStandardHelpOptions = true,
            description = {"Prints a presigned PUT URL for one object (a single request, up to 5 GB).",
                    "The client sends the bytes as the body of an HTTP PUT to the URL; with --content-type it must "
                            + "send that Content-Type header, which is signed into the URL."})
    static final class Put implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "s3://BUCKET/KEY", converter = S3Uri.Converter.class)
        S3Uri target;
        @Option(names = "--expires", defaultValue = "15m", paramLabel = "DURATION",
                converter = CleanupCommand.AgeConverter.class,
                description = "How long the URL is valid, e.g. 30s, 15m, 12h (default: ${DEFAULT-VALUE}; at most 7d).")
        Duration expires;
        @Option(names = "--content-type", paramLabel = "TYPE",
                description = "Content-Type signed into the URL (the client must send exactly this header).")
        String contentType;
        @Option(names = "--json", description = "Print {method, url, expires, headers} as JSON instead of the bare URL.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            S3Uri object = objectOf(target, spec);
            try (UploadEngine engine = engine(); S3Presigner presigner = engine.presigner()) {
                var presigned = presigner.presignPutObject(r -> r.signatureDuration(expires)
                        .putObjectRequest(p -> p.bucket(object.bucket()).key(object.key()).contentType(contentType)));
                return printUrl("PUT", presigned.url().toString(), expires, headersToSend(presigned.signedHeaders()),
                        json);
            }
        }
    }

    static int printUrl(String method, String url, Duration expires, boolean json) throws IOException {
        return printUrl(method, url, expires, Map.of(), json);
    }

    /** The URL alone, or with --json {method, url, expires, headers}: the headers the client must send with it. */
    static int printUrl(String method, String url, Duration expires, Map<String, String> headers, boolean json)
            throws IOException {
        if (!json) {
            System.out.println(url);
            return 0;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", method);
        out.put("url", url);
        out.put("expires", Instant.now().plus(expires).toString());
        out.put("headers", headers);
        printJson(out);
        return 0;
    }

    /**
     * The headers signed into a presigned request that the client itself must send with exactly these values:
     * all but {@code host}, which every HTTP client sends from the URL.
     */
    static Map<String, String> headersToSend(Map<String, List<String>> signedHeaders) {
        Map<String, String> headers = new java.util.TreeMap<>();
        signedHeaders.forEach((name, values) -> {
            if (!"host".equalsIgnoreCase(name)) {
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values));
            }
        });
        return headers;
    }

    /** Sizes as Chute's configuration writes them: {@code 5242880}, {@code 5M} (MiB), {@code 1G}. */
    @RegisterForReflection
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                long bytes = new MemorySizeConverter().convert(value).asLongValue();
                if (bytes < 0) {
                    throw new IllegalArgumentException("negative");
                }
                return bytes;
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a size like 1048576, 5M or 2G");
            }
        }
    }

    @RegisterForReflection
    @Command(name = "complete", mixinStandardHelpOptions = true,
            description = {"Completes a multipart upload whose parts clients PUT to presigned URLs, then verifies it.",
                    "Lists the stored parts (all pages). Missing parts are the gaps in the numbering and, with "
                            + "--expect-size, the parts that size needs at the part size (--part-size, else the size "
                            + "of part 1). With --expect-size the object's size is checked with HeadObject; with "
                            + "--expect-sha256 the object is read back and hashed.",
                    "Exit status: 0 completed and verified; 3 parts missing (named on stderr; the upload stays "
                            + "open, PUT them and run again); 4 completed but the size or SHA-256 differs (the object "
                            + "stays, inspect or delete it); 1 any other failure (e.g. no such upload); 2 usage."})
    static final class Complete implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "s3://BUCKET/KEY", converter = S3Uri.Converter.class)
        S3Uri target;
        @Option(names = "--upload-id", required = true, paramLabel = "ID", description = "The upload to complete.")
        String uploadId;
        @Option(names = "--expect-size", paramLabel = "BYTES", converter = SizeConverter.class,
                description = "The object's size; also tells which trailing parts are missing.")
        Long expectSize;
        @Option(names = "--part-size", paramLabel = "SIZE", converter = SizeConverter.class,
                description = "The part size the URLs were made for (default: the size of part 1).")
        Long partSize;
        @Option(names = "--expect-sha256", paramLabel = "HEX", description = "SHA-256 of the whole object, hex.")
        String expectSha256;
        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            S3Uri object = objectOf(target, spec);
            try (UploadEngine engine = engine()) {
                S3Client s3 = engine.s3();
                List<Part> parts = new ArrayList<>();
                try {
                    s3.listPartsPaginator(r -> r.bucket(object.bucket()).key(object.key()).uploadId(uploadId))
                            .parts().forEach(parts::add);
                } catch (S3Exception e) {
                    throw new CliFailure(object + " upload " + uploadId + ": " + errorOf(e));
                }
                parts.sort(java.util.Comparator.comparing(Part::partNumber));
                TreeSet<Integer> missing = missingParts(parts, expectSize, partSize);
                if (!missing.isEmpty()) {
                    throw new CliFailure(object + " upload " + uploadId + ": missing part(s) " + ranges(missing)
                            + " (" + parts.size() + " stored); the upload stays open", EXIT_PARTS_MISSING);
                }
                long stored = parts.stream().mapToLong(Part::size).sum();
                if (expectSize != null && stored != expectSize) {
                    throw new CliFailure(object + " upload " + uploadId + ": the parts hold " + stored
                            + " bytes, not " + expectSize + "; the upload stays open", EXIT_PARTS_MISSING);
                }
                List<CompletedPart> completed = parts.stream().map(PartChecksums::completed).toList();
                String etag;
                try {
                    etag = s3.completeMultipartUpload(r -> r.bucket(object.bucket()).key(object.key())
                            .uploadId(uploadId).multipartUpload(m -> m.parts(completed))).eTag();
                } catch (S3Exception e) {
                    throw new CliFailure(object + " upload " + uploadId + ": complete refused: " + errorOf(e));
                }
                endInLedger(engine.ledger(), uploadId);
                long size = s3.headObject(r -> r.bucket(object.bucket()).key(object.key())).contentLength();
                if (expectSize != null && size != expectSize) {
                    throw new CliFailure(object + ": stored " + size + " bytes, expected " + expectSize,
                            EXIT_VERIFICATION_FAILED);
                }
                String sha256 = null;
                if (expectSha256 != null) {
                    sha256 = sha256Of(s3, object);
                    if (!sha256.equalsIgnoreCase(expectSha256.trim())) {
                        throw new CliFailure(object + ": SHA-256 of the stored object is " + sha256 + ", expected "
                                + expectSha256, EXIT_VERIFICATION_FAILED);
                    }
                }
                if (json) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("bucket", object.bucket());
                    out.put("key", object.key());
                    out.put("uploadId", uploadId);
                    out.put("parts", parts.size());
                    out.put("size", size);
                    out.put("eTag", etag);
                    out.put("sha256", sha256);
                    out.put("verifiedBy", sha256 != null ? "size and sha256" : expectSize != null ? "size" : "none");
                    printJson(out);
                } else {
                    System.out.printf("completed %s: %d parts, %d bytes%s%n", object, parts.size(), size,
                            sha256 != null ? ", size and SHA-256 verified" : expectSize != null ? ", size verified" : "");
                }
                return 0;
            }
        }
    }

    /** Gaps in the numbering, and with an expected size the parts that size needs beyond the last one stored. */
    static TreeSet<Integer> missingParts(List<Part> sortedParts, Long expectSize, Long partSize) {
        TreeSet<Integer> missing = new TreeSet<>();
        int highest = sortedParts.isEmpty() ? 0 : sortedParts.get(sortedParts.size() - 1).partNumber();
        if (expectSize != null) {
            Optional<Long> size = Optional.ofNullable(partSize).or(() -> sortedParts.stream()
                    .filter(p -> p.partNumber() == 1).map(Part::size).findFirst());
            if (size.isPresent() && size.get() > 0) {
                highest = Math.max(highest, expectSize == 0 ? 1 : (int) ((expectSize + size.get() - 1) / size.get()));
            } else {
                highest = Math.max(highest, 1); // part 1 is missing, and without it the count is unknown
            }
        }
        java.util.Set<Integer> present = new java.util.HashSet<>();
        sortedParts.forEach(p -> present.add(p.partNumber()));
        for (int n = 1; n <= highest; n++) {
            if (!present.contains(n)) {
                missing.add(n);
            }
        }
        return missing;
    }

    /** {@code 2, 5-7, 9}. */
    static String ranges(TreeSet<Integer> numbers) {
        StringBuilder s = new StringBuilder();
        Integer start = null;
        Integer prev = null;
        for (int n : numbers) {
            if (prev != null && n == prev + 1) {
                prev = n;
                continue;
            }
            if (start != null) {
                s.append(s.length() > 0 ? ", " : "").append(start.equals(prev) ? start : start + "-" + prev);
            }
            start = n;
            prev = n;
        }
        if (start != null) {
            s.append(s.length() > 0 ? ", " : "").append(start.equals(prev) ? start : start + "-" + prev);
        }
        return s.toString();
    }

    static void endInLedger(UploadLedger ledger, String uploadId) throws IOException {
        for (UploadLedger.Entry e : ledger.open()) {
            if (uploadId.equals(e.uploadId())) {
                ledger.ended(e.ref());
            }
        }
    }

    static String errorOf(S3Exception e) {
        String code = e.awsErrorDetails() != null ? e.awsErrorDetails().errorCode() : null;
        return (code != null ? code : "HTTP " + e.statusCode()) + " (" + e.statusCode() + ")";
    }

    private static String sha256Of(S3Client s3, S3Uri object) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[1 << 16];
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(object.bucket()).key(object.key()));
             InputStream body = in) {
            for (int n; (n = body.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest()).toLowerCase(Locale.ROOT);
    }
}
