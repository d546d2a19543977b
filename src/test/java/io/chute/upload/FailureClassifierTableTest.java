package io.chute.upload;

import io.chute.checkpoint.StateDirUnavailableException;
import io.chute.s3.CredentialsUnavailableException;
import io.chute.upload.UploadOutcome.RetryLater.Scope;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every failure class in one table: what S3 or the file system said, and what it means for the file, its rule
 * or the state dir. A row is (name, failure, outcome type, reason, scope); reason and scope are null where the
 * outcome has none.
 */
@Tag("hostile")
class FailureClassifierTableTest {

    private static S3Exception s3(int status, String code, String message) {
        return (S3Exception) S3Exception.builder().statusCode(status).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    /** A HEAD answer: status only, no body, so no error code. */
    private static S3Exception head(int status) {
        return (S3Exception) S3Exception.builder().statusCode(status).message("Service returned HTTP " + status).build();
    }

    static Stream<Arguments> table() {
        Path state = Path.of("/var/lib/chute");
        IOException enospc = new IOException("No space left on device");
        return Stream.of(
                arguments("429 Too Many Requests", s3(429, "TooManyRequests", "slow down"), "RetryLater", FailureReason.THROTTLED, Scope.FILE),
                arguments("503 SlowDown", s3(503, "SlowDown", "Please reduce your request rate."), "RetryLater", FailureReason.THROTTLED, Scope.FILE),
                arguments("503 without a body", head(503), "RetryLater", FailureReason.THROTTLED, Scope.FILE),
                arguments("500 InternalError", s3(500, "InternalError", "We encountered an internal error."), "RetryLater", FailureReason.SERVER_ERROR, Scope.FILE),
                arguments("501 NotImplemented (S3Proxy: unknown header)", s3(501, "NotImplemented", "Unknown header x-amz-tagging"), "RetryLater", FailureReason.STORE_UNSUPPORTED, Scope.RULE),
                arguments("501 without a code", head(501), "RetryLater", FailureReason.STORE_UNSUPPORTED, Scope.RULE),
                arguments("400 naming an unsupported checksum algorithm", s3(400, "InvalidArgument", "x-amz-checksum-type FULL_OBJECT is not supported"), "RetryLater", FailureReason.STORE_UNSUPPORTED, Scope.RULE),
                arguments("400 InvalidRequest naming an unsupported option", s3(400, "InvalidRequest", "Unsupported storage class GLACIER_IR"), "RetryLater", FailureReason.STORE_UNSUPPORTED, Scope.RULE),
                arguments("400 InvalidArgument otherwise", s3(400, "InvalidArgument", "refused by the test proxy"), "RetryLater", FailureReason.CLIENT_ERROR, Scope.FILE),
                arguments("403 InvalidAccessKeyId", s3(403, "InvalidAccessKeyId", "The AWS Access Key Id does not exist"), "RetryLater", FailureReason.CREDENTIALS, Scope.RULE),
                arguments("400 ExpiredToken", s3(400, "ExpiredToken", "The provided token has expired."), "RetryLater", FailureReason.CREDENTIALS, Scope.RULE),
                arguments("403 SignatureDoesNotMatch (one request)", s3(403, "SignatureDoesNotMatch", "The request signature we calculated does not match"), "RetryLater", FailureReason.SIGNATURE_MISMATCH, Scope.FILE),
                arguments("403 AccessDenied", s3(403, "AccessDenied", "Access Denied"), "RetryLater", FailureReason.ACCESS_DENIED, Scope.RULE),
                arguments("403 without a body", head(403), "RetryLater", FailureReason.ACCESS_DENIED, Scope.RULE),
                arguments("403 AccessDenied for KMS", s3(403, "AccessDenied", "not authorized to perform: kms:GenerateDataKey"), "RetryLater", FailureReason.KMS, Scope.RULE),
                arguments("400 KMS.DisabledException", s3(400, "KMS.DisabledException", "key is disabled"), "RetryLater", FailureReason.KMS, Scope.RULE),
                arguments("404 NoSuchBucket", s3(404, "NoSuchBucket", "The specified bucket does not exist"), "RetryLater", FailureReason.NO_SUCH_BUCKET, Scope.RULE),
                arguments("412 PreconditionFailed", s3(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold"), "RetryLater", FailureReason.CONFLICT, Scope.FILE),
                arguments("400 InvalidPart", s3(400, "InvalidPart", "One or more of the specified parts could not be found."), "RetryLater", FailureReason.CLIENT_ERROR, Scope.FILE),
                arguments("400 EntityTooSmall", s3(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size."), "RetryLater", FailureReason.CLIENT_ERROR, Scope.FILE),
                arguments("400 EntityTooLarge", s3(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"), "Rejected", FailureReason.CLIENT_ERROR, null),
                arguments("400 BadDigest", s3(400, "BadDigest", "The Content-MD5 you specified did not match what we received."), "SourceChanged", null, null),
                arguments("network: connection refused", SdkClientException.create("Unable to execute HTTP request: Connection refused"), "RetryLater", FailureReason.NETWORK, Scope.FILE),
                arguments("network error whose message mentions credentials", SdkClientException.create("Unable to execute HTTP request: credentials endpoint reset"), "RetryLater", FailureReason.NETWORK, Scope.FILE),
                arguments("no credentials resolve", new CredentialsUnavailableException(SdkClientException.create("Profile file contained no credentials for profile 'x'")), "RetryLater", FailureReason.CREDENTIALS, Scope.RULE),
                arguments("no credentials, wrapped by an executor", new CompletionException(new CredentialsUnavailableException(new IllegalStateException("STS refused"))), "RetryLater", FailureReason.CREDENTIALS, Scope.RULE),
                arguments("source unreadable", new AccessDeniedException("/srv/drop/a.bin"), "RetryLater", FailureReason.SOURCE_UNREADABLE, Scope.FILE),
                arguments("source I/O error", new IOException("Input/output error"), "RetryLater", FailureReason.SOURCE_UNREADABLE, Scope.FILE),
                arguments("state dir full", StateDirUnavailableException.stateDir(state, "receipt", enospc), "RetryLater", FailureReason.STATE_DIR_UNAVAILABLE, Scope.STATE_DIR),
                arguments("drop folder refuses its sidecar", StateDirUnavailableException.dropFolder(Path.of("/srv/drop"), "sidecar", new IOException("Read-only file system")), "RetryLater", FailureReason.STATE_DIR_UNAVAILABLE, Scope.RULE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void eachFailure_meansWhatTheTableSays(String name, Throwable failure, String outcome, FailureReason reason,
                                           Scope scope) {
        UploadOutcome classified = FailureClassifier.classify(failure);

        assertThat(classified.getClass().getSimpleName()).as(name).isEqualTo(outcome);
        if (classified instanceof UploadOutcome.RetryLater retry) {
            assertThat(retry.reason()).as(name).isEqualTo(reason);
            assertThat(retry.scope()).as(name).isEqualTo(scope);
        } else if (classified instanceof UploadOutcome.Rejected rejected) {
            assertThat(rejected.reason()).as(name).isEqualTo(reason);
        }
    }

    @org.junit.jupiter.api.Test
    void storeUnsupported_namesWhatTheStoreRefused_andWhatToTurnOff() {
        UploadOutcome.RetryLater r = (UploadOutcome.RetryLater) FailureClassifier.classify(
                s3(501, "NotImplemented", "Unknown header x-amz-tagging"));
        assertThat(r.detail()).contains("501 NotImplemented", "x-amz-tagging", "tags");
    }

    @org.junit.jupiter.api.Test
    void aSignatureMismatch_isRecognised_soTheUploaderCanAskWhetherOtherRequestsSucceed() {
        assertThat(FailureClassifier.isSignatureMismatch(new CompletionException(
                s3(403, "SignatureDoesNotMatch", "signature")))).isTrue();
        assertThat(FailureClassifier.isSignatureMismatch(s3(403, "AccessDenied", "denied"))).isFalse();
    }
}
