package io.chute.upload;

import io.chute.multipart.ObjectExistsException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;

/** How the failures of target options are classified: KMS refusals, conditional-write conflicts. */
class FailureClassifierTargetTest {

    private static S3Exception s3Error(int status, String code, String message) {
        return (S3Exception) S3Exception.builder().statusCode(status).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    @Test
    void accessDeniedForKmsDecrypt_isARuleWideKmsFailureExplainingTheMultipartPermission() {
        UploadOutcome outcome = FailureClassifier.classify(s3Error(403, "AccessDenied",
                "User: arn:aws:iam::1:user/u is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:..."));
        assertThat(outcome).isInstanceOfSatisfying(UploadOutcome.RetryLater.class, r -> {
            assertThat(r.reason()).isEqualTo(FailureReason.KMS);
            assertThat(r.ruleWide()).isTrue();
            assertThat(r.detail()).contains("kms:Decrypt", "multipart");
        });
    }

    @Test
    void kmsErrorCodes_areRuleWideKmsFailures() {
        assertThat(FailureClassifier.classify(s3Error(400, "KMS.DisabledException", "key is disabled")))
                .isInstanceOfSatisfying(UploadOutcome.RetryLater.class,
                        r -> assertThat(r.reason()).isEqualTo(FailureReason.KMS));
    }

    @Test
    void plainAccessDenied_staysAccessDenied() {
        assertThat(FailureClassifier.classify(s3Error(403, "AccessDenied", "Access Denied")))
                .isInstanceOfSatisfying(UploadOutcome.RetryLater.class,
                        r -> assertThat(r.reason()).isEqualTo(FailureReason.ACCESS_DENIED));
    }

    @Test
    void unresolved412_isRetriedAsConflict_andAReportedConflictRejectsTheFile() {
        assertThat(FailureClassifier.classify(s3Error(412, "PreconditionFailed", "precondition")))
                .isInstanceOfSatisfying(UploadOutcome.RetryLater.class, r -> {
                    assertThat(r.reason()).isEqualTo(FailureReason.CONFLICT);
                    assertThat(r.ruleWide()).isFalse();
                });
        assertThat(FailureClassifier.classify(new ObjectExistsException("b", "k", "differs")))
                .isInstanceOfSatisfying(UploadOutcome.Rejected.class,
                        r -> assertThat(r.reason()).isEqualTo(FailureReason.CONFLICT));
    }
}
