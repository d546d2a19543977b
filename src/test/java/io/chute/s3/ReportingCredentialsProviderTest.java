package io.chute.s3;

import io.chute.config.S3Connection;
import io.chute.observability.ChuteMetrics;
import io.chute.queue.UploadQueue;
import io.chute.testing.TestConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The credentials decorator of {@link S3ClientFactory}: failures are reported, then rethrown unchanged. */
class ReportingCredentialsProviderTest {

    @Test
    void aProviderThatThrows_isReportedOnce_andReachesTheCallerAsCredentialsUnavailable_withTheOriginalAsCause() {
        SdkClientException refused = SdkClientException.create("STS refused AssumeRole");
        AwsCredentialsProvider failing = () -> {
            throw refused;
        };
        List<RuntimeException> reported = new ArrayList<>();

        ReportingCredentialsProvider provider = new ReportingCredentialsProvider(failing, reported::add);

        assertThatThrownBy(provider::resolveCredentials).isInstanceOf(CredentialsUnavailableException.class)
                .hasCause(refused).hasMessageContaining("STS refused AssumeRole");
        assertThat(reported).containsExactly(refused);
    }

    @Test
    void aProviderThatResolves_returnsItsCredentials_andReportsNothing() {
        AwsBasicCredentials keys = AwsBasicCredentials.create("AKIDEXAMPLE", "secret");
        List<RuntimeException> reported = new ArrayList<>();

        ReportingCredentialsProvider provider =
                new ReportingCredentialsProvider(StaticCredentialsProvider.create(keys), reported::add);

        assertThat(provider.resolveCredentials()).isEqualTo(keys);
        assertThat(reported).isEmpty();
    }

    @Test
    void aClientWhoseProfileDoesNotExist_movesTheProviderCredentialFailureCounter() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ChuteMetrics metrics = new ChuteMetrics(registry, new UploadQueue(10, Clock.systemUTC()));
        S3Connection connection = S3Connection.of(TestConfig.of(Map.of("chute.daemon", "false",
                "chute.s3.endpoint", "http://127.0.0.1:9", "chute.s3.path-style", "true",
                "chute.s3.profile", "chute-test-profile-that-does-not-exist")).s3());

        try (S3Client s3 = S3ClientFactory.build(connection, failure -> metrics.credentialRefreshFailed("provider"))) {
            assertThatThrownBy(() -> s3.headBucket(b -> b.bucket("any-bucket")))
                    .as("the SDK lets the provider's typed exception surface")
                    .isInstanceOf(CredentialsUnavailableException.class);
        }

        assertThat(registry.counter(ChuteMetrics.CREDENTIAL_FAILURES, "source", "provider").count()).isEqualTo(1.0);
    }
}
