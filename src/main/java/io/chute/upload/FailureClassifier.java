package io.chute.upload;

import io.chute.multipart.Failures;
import io.chute.multipart.ObjectExistsException;
import io.chute.multipart.SourceChangedException;
import io.chute.multipart.VerificationFailedException;
import io.chute.upload.UploadOutcome.RetryLater;
import io.chute.upload.UploadOutcome.SourceChanged;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.Set;

/**
 * The one place that decides what a failure means: transient (retry this file with backoff), rule-wide
 * (bucket or credentials fail: pause the rule, never quarantine a file for it), permanent for this file
 * (counts towards quarantine), or a changed source (back to the stability gate).
 */
public final class FailureClassifier {

    private static final Set<String> CREDENTIAL_CODES = Set.of("InvalidAccessKeyId", "SignatureDoesNotMatch",
            "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AuthorizationHeaderMalformed");

    private static final Set<String> REBUILD_CODES = Set.of("InvalidPart", "InvalidPartOrder", "EntityTooSmall");

    private static final String KMS_HINT = "SSE-KMS: the credentials need kms:GenerateDataKey and, for multipart"
            + " uploads, kms:Decrypt on the rule's key (S3 decrypts the data key to assemble the parts): ";

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
            return new RetryLater(FailureReason.VERIFICATION_FAILED, t.getMessage(), false);
        }
        if (t instanceof S3Exception s3) {
            return classifyS3(s3);
        }
        if (t instanceof SdkClientException) {
            String msg = String.valueOf(t.getMessage());
            boolean credentials = msg.contains("credentials") || msg.contains("Credentials");
            return new RetryLater(credentials ? FailureReason.CREDENTIALS : FailureReason.NETWORK, msg, credentials);
        }
        if (t instanceof AccessDeniedException) {
            return new RetryLater(FailureReason.SOURCE_UNREADABLE, t.toString(), false);
        }
        if (t instanceof IOException) {
            return new RetryLater(FailureReason.SOURCE_UNREADABLE, t.toString(), false);
        }
        return new RetryLater(FailureReason.UNKNOWN, t.toString(), false);
    }

    private static UploadOutcome classifyS3(S3Exception e) {
        String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
        String detail = e.statusCode() + " " + code + ": " + e.getMessage();
        if (code.startsWith("KMS.") || isKmsDenial(code, e)) {
            return new RetryLater(FailureReason.KMS, KMS_HINT + detail, true);
        }
        if (e.statusCode() == 412) {
            // If-None-Match lost a race the uploader did not resolve; the next attempt compares the objects again
            return new RetryLater(FailureReason.CONFLICT, detail, false);
        }
        if (CREDENTIAL_CODES.contains(code)) {
            return new RetryLater(FailureReason.CREDENTIALS, detail, true);
        }
        if (code.equals("AccessDenied") || e.statusCode() == 403) {
            return new RetryLater(FailureReason.ACCESS_DENIED, detail, true);
        }
        if (code.equals("NoSuchBucket")) {
            return new RetryLater(FailureReason.NO_SUCH_BUCKET, detail, true);
        }
        if (code.equals("SlowDown") || e.statusCode() == 429 || e.statusCode() == 503) {
            return new RetryLater(FailureReason.THROTTLED, detail, false);
        }
        if (e.statusCode() >= 500) {
            return new RetryLater(FailureReason.SERVER_ERROR, detail, false);
        }
        if (code.equals("EntityTooLarge") || code.equals("KeyTooLongError")) {
            return new UploadOutcome.Rejected(FailureReason.CLIENT_ERROR, detail);
        }
        if (code.equals("BadDigest") || code.equals("XAmzContentChecksumMismatch") || code.equals("InvalidDigest")) {
            return new SourceChanged("server saw different bytes than were checksummed: " + detail);
        }
        return new RetryLater(FailureReason.CLIENT_ERROR, detail, false);
    }

    /** An AccessDenied whose message S3 words about KMS (e.g. "not authorized to perform: kms:Decrypt"). */
    private static boolean isKmsDenial(String code, S3Exception e) {
        String message = String.valueOf(e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage());
        return (code.equals("AccessDenied") || e.statusCode() == 403) && message.contains("kms:");
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
