package io.chute.cli;

import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Checksums a credential-less client computes over its parts and the trusted side signs into the part URLs
 * ({@code chute presign multipart --checksum-algorithm … --part-checksums FILE}, {@code chute presign part
 * --checksum …}). A URL signed for {@code x-amz-checksum-crc32c: V} is only accepted with that header, and the
 * store then refuses a body whose checksum is not V: a part corrupted between the client's read and the store is
 * refused at its PUT, not found at {@code complete}.
 *
 * <p>Only the algorithms S3 accepts for a composite multipart checksum (CRC32C, CRC32, SHA-1, SHA-256).
 * Values are base64 of the big-endian digest, as S3 spells them.
 */
final class PartChecksums {

    private PartChecksums() {
    }

    /** The algorithm named on the command line, or a usage error listing the accepted names. */
    static ChecksumAlgorithm algorithm(String name) {
        String upper = name.trim().toUpperCase(Locale.ROOT).replace("-", "");
        return switch (upper) {
            case "CRC32C" -> ChecksumAlgorithm.CRC32_C;
            case "CRC32" -> ChecksumAlgorithm.CRC32;
            case "SHA1" -> ChecksumAlgorithm.SHA1;
            case "SHA256" -> ChecksumAlgorithm.SHA256;
            default -> throw new CliFailure("--checksum-algorithm '" + name
                    + "' is not one of CRC32C, CRC32, SHA1, SHA256 (those S3 accepts for a multipart upload's parts)", 2);
        };
    }

    /** The header a part PUT carries the checksum in, e.g. {@code x-amz-checksum-crc32c}. */
    static String header(ChecksumAlgorithm algorithm) {
        return "x-amz-checksum-" + algorithm.toString().toLowerCase(Locale.ROOT);
    }

    /** The digest's length in bytes. */
    static int digestBytes(ChecksumAlgorithm algorithm) {
        return switch (algorithm) {
            case CRC32_C, CRC32 -> 4;
            case SHA1 -> 20;
            case SHA256 -> 32;
            default -> throw new IllegalArgumentException(algorithm + " is not a composite part checksum");
        };
    }

    /** {@code value} trimmed, or a usage error naming {@code where} when it is not base64 of a digest's length. */
    static String validated(ChecksumAlgorithm algorithm, String value, String where) {
        String trimmed = value.trim();
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException notBase64) {
            throw new CliFailure(where + ": '" + trimmed + "' is not base64", 2);
        }
        if (decoded.length != digestBytes(algorithm)) {
            throw new CliFailure(where + ": '" + trimmed + "' decodes to " + decoded.length + " bytes, a " + algorithm
                    + " checksum has " + digestBytes(algorithm), 2);
        }
        return trimmed;
    }

    /**
     * One checksum per part, in part order, one per line (blank lines and lines starting with {@code #} are
     * skipped), read from {@code source} ({@code -} is standard input). Every malformed line and a count other
     * than {@code parts} are reported together.
     */
    static List<String> read(String source, ChecksumAlgorithm algorithm, int parts) throws IOException {
        List<String> lines;
        if ("-".equals(source)) {
            lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).lines().toList();
        } else {
            try {
                lines = Files.readAllLines(Path.of(source), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new CliFailure("--part-checksums " + source + ": " + e.getMessage(), 2);
            }
        }
        List<String> values = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                values.add(validated(algorithm, line, "--part-checksums " + source + " line " + (i + 1)));
            } catch (CliFailure bad) {
                errors.add(bad.getMessage());
            }
        }
        if (errors.isEmpty() && values.size() != parts) {
            errors.add("--part-checksums " + source + " holds " + values.size() + " checksum(s); the upload has "
                    + parts + " part(s)");
        }
        if (!errors.isEmpty()) {
            throw new CliFailure(String.join("; ", errors), 2);
        }
        return values;
    }

    /** The part request with its checksum set, so the presigner signs the checksum header with that value. */
    static UploadPartRequest.Builder signed(UploadPartRequest.Builder part, ChecksumAlgorithm algorithm, String value) {
        return switch (algorithm) {
            case CRC32_C -> part.checksumCRC32C(value);
            case CRC32 -> part.checksumCRC32(value);
            case SHA1 -> part.checksumSHA1(value);
            case SHA256 -> part.checksumSHA256(value);
            default -> throw new IllegalArgumentException(algorithm + " is not a composite part checksum");
        };
    }

    /**
     * A stored part as CompleteMultipartUpload names it: with the checksum ListParts reports for it, which S3
     * requires for an upload created with a checksum algorithm (and ignores otherwise).
     */
    static CompletedPart completed(Part part) {
        return CompletedPart.builder().partNumber(part.partNumber()).eTag(part.eTag())
                .checksumCRC32C(part.checksumCRC32C()).checksumCRC32(part.checksumCRC32())
                .checksumSHA1(part.checksumSHA1()).checksumSHA256(part.checksumSHA256()).build();
    }
}
