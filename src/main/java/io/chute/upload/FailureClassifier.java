package io.chute.upload;

import io.chute.checkpoint.StateDirUnavailableException;
import io.chute.multipart.Failures;
import io.chute.multipart.ObjectExistsException;
import io.chute.multipart.SourceChangedException;
import io.chute.multipart.VerificationFailedException;
import io.chute.s3.CredentialsUnavailableException;
import io.chute.upload.UploadOutcome.RetryLater;
import io.chute.upload.UploadOutcome.RetryLater.Scope;
import io.chute.upload.UploadOutcome.SourceChanged;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The one place that decides what a failure means, by the failure's type and, for S3's answers, by one ordered
 * table of status codes and error codes: transient for this file (retry with backoff, counts towards
 * quarantine), rule-wide (bucket, credentials, a feature the store lacks: pause the rule, never quarantine a file
 * for it), the state dir's (pause what depends on it), permanent for this file (quarantine), or a changed source
 * (back to the stability gate). The first matching row wins.
 */
public final class FailureClassifier {

    private static final Set<String> CREDENTIAL_CODES = Set.of("InvalidAccessKeyId", "ExpiredToken", "InvalidToken",
            "TokenRefreshRequired", "AuthorizationHeaderMalformed");

    private static final Set<String> REBUILD_CODES = Set.of("InvalidPart", "InvalidPartOrder", "EntityTooSmall");

    /** How stores word a refused header, option or algorithm when they answer 400 instead of 501. */
    private static final Pattern UNSUPPORTED_WORDING = Pattern.compile(
            "(?i)not (yet )?(supported|implemented)|unsupported|unknown header|not recogni[sz]ed");

    private static final String KMS_HINT = "SSE-KMS: the credentials need kms:GenerateDataKey and, for multipart"
            + " uploads, kms:Decrypt on the rule's key (S3 decrypts the data key to assemble the parts): ";

    private static final String UNSUPPORTED_HINT = "; the store does not implement something this request asks"
            + " for: turn off the rule's optional settings it names (tags, metadata, storage-class, sse, acl,"
            + " chute.s3.full-object-checksum) for this store";

    private static final String SIGNATURE_HINT = "; requests without this file's headers succeed with the same"
            + " credentials, so the store signs one of them differently (e.g. non-ASCII metadata or content type)";

    /** One row of the S3 table: which answers it matches and what they mean ({@code detail} in, outcome out). */
    private record Row(Predicate<S3Error> matches, Function<String, UploadOutcome> outcome) {
    }

    /** An S3 error answer as the table reads it. */
    record S3Error(int status, String code, String message) {
        boolean is(String c) {
            return code.equals(c);
        }
    }

    private static final List<Row> S3_TABLE = List.of(
            new Row(e -> e.code().startsWith("KMS.") || (isDenied(e) && e.message().contains("kms:")),
                    d -> new RetryLater(FailureReason.KMS, KMS_HINT + d, Scope.RULE)),
            // If-None-Match lost a race the uploader did not resolve; the next attempt compares the objects again
            new Row(e -> e.status() == 412, d -> new RetryLater(FailureReason.CONFLICT, d, Scope.FILE)),
            new Row(e -> e.status() == 501 || e.is("NotImplemented")
                            || (e.status() == 400 && UNSUPPORTED_WORDING.matcher(e.message()).find()),
                    d -> new RetryLater(FailureReason.STORE_UNSUPPORTED, d + UNSUPPORTED_HINT, Scope.RULE)),
            new Row(e -> e.is("SignatureDoesNotMatch"),
                    d -> new RetryLater(FailureReason.SIGNATURE_MISMATCH, d, Scope.FILE)),
            new Row(e -> CREDENTIAL_CODES.contains(e.code()),
                    d -> new RetryLater(FailureReason.CREDENTIALS, d, Scope.RULE)),
            new Row(FailureClassifier::isDenied, d -> new RetryLater(FailureReason.ACCESS_DENIED, d, Scope.RULE)),
            new Row(e -> e.is("NoSuchBucket"), d -> new RetryLater(FailureReason.NO_SUCH_BUCKET, d, Scope.RULE)),
            new Row(e -> e.is("SlowDown") || e.status() == 429 || e.status() == 503,
                    d -> new RetryLater(FailureReason.THROTTLED, d, Scope.FILE)),
            new Row(e -> e.status() >= 500, d -> new RetryLater(FailureReason.SERVER_ERROR, d, Scope.FILE)),
            new Row(e -> e.is("EntityTooLarge") || e.is("KeyTooLongError"),
                    d -> new UploadOutcome.Rejected(FailureReason.CLIENT_ERROR, d)),
            new Row(e -> e.is("BadDigest") || e.is("XAmzContentChecksumMismatch") || e.is("InvalidDigest"),
                    d -> new SourceChanged("server saw different bytes than were checksummed: " + d)),
            new Row(e -> true, d -> new RetryLater(FailureReason.CLIENT_ERROR, d, Scope.FILE)));

    private FailureClassifier() {
    }

    public static UploadOutcome classify(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof ObjectExistsException) {
            return new UploadOutcome.Rejected(FailureReason.CONFLICT, t.getMessage());
        }
        if (t instanceof SourceChangedException) {
            return new SourceChanged(t.getMessage());
        }
        if (t instanceof VerificationFailedException) {
            return new RetryLater(FailureReason.VERIFICATION_FAILED, t.getMessage(), Scope.FILE);
        }
        if (t instanceof S3Exception s3) {
            return classifyS3(s3);
        }
        if (t instanceof CredentialsUnavailableException) {
            return new RetryLater(FailureReason.CREDENTIALS, t.getMessage(), Scope.RULE);
        }
        if (t instanceof SdkClientException) {
            return new RetryLater(FailureReason.NETWORK, t.getMessage(), Scope.FILE);
        }
        if (t instanceof StateDirUnavailableException unwritable) {
            return new RetryLater(FailureReason.STATE_DIR_UNAVAILABLE, t.getMessage(),
                    unwritable.inStateDir() ? Scope.STATE_DIR : Scope.RULE);
        }
        if (t instanceof IOException) {
            return new RetryLater(FailureReason.SOURCE_UNREADABLE, t.toString(), Scope.FILE);
        }
        return new RetryLater(FailureReason.UNKNOWN, t.toString(), Scope.FILE);
    }

    private static UploadOutcome classifyS3(S3Exception e) {
        S3Error error = errorOf(e);
        String detail = error.status() + " " + error.code() + ": " + e.getMessage();
        return S3_TABLE.stream().filter(row -> row.matches().test(error)).findFirst().orElseThrow()
                .outcome().apply(detail);
    }

    private static S3Error errorOf(S3Exception e) {
        String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
        String message = String.valueOf(e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null
                ? e.getMessage() : e.awsErrorDetails().errorMessage());
        return new S3Error(e.statusCode(), code, message);
    }

    private static boolean isDenied(S3Error e) {
        return e.is("AccessDenied") || e.status() == 403;
    }

    /**
     * Whether the store refused the signature of a request: on one file's request while other requests succeed,
     * the file's own headers are the cause (see {@link #signatureHint}); on every request, the credentials.
     */
    public static boolean isSignatureMismatch(Throwable failure) {
        return unwrap(failure) instanceof S3Exception s3 && errorOf(s3).is("SignatureDoesNotMatch");
    }

    /** The per-file outcome of a signature mismatch once requests without the file's headers were seen to work. */
    static UploadOutcome signatureHint(RetryLater mismatch) {
        return new RetryLater(mismatch.reason(), mismatch.detail() + SIGNATURE_HINT, Scope.FILE);
    }

    /**
     * Whether S3 refused the parts themselves at Complete (InvalidPart, InvalidPartOrder, EntityTooSmall): the
     * checkpointed upload cannot be completed and must be rebuilt from scratch; repeated refusals end in
     * quarantine through the attempt budget.
     */
    public static boolean needsRebuild(Throwable failure) {
        return unwrap(failure) instanceof S3Exception s3 && s3.awsErrorDetails() != null
                && s3.awsErrorDetails().errorCode() != null // a HEAD error has no body, so no code
                && REBUILD_CODES.contains(s3.awsErrorDetails().errorCode());
    }

    private static Throwable unwrap(Throwable t) {
        return Failures.unwrap(t);
    }
}
