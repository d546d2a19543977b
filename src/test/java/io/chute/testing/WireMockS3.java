package io.chute.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/** WireMock playing S3 on 127.0.0.1, and a plain S3 client for it (path style, dummy keys, no SDK retries). */
public final class WireMockS3 {

    private WireMockS3() {
    }

    /** A started WireMock server on a free loopback port. */
    public static WireMockServer start() {
        WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        return server;
    }

    /** A client of {@code server} that sends exactly one attempt per call, so a script sees every request. */
    public static S3Client client(WireMockServer server) {
        return S3Client.builder().endpointOverride(URI.create(server.baseUrl())).forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDUMMY", "dummy")))
                .httpClientBuilder(ApacheHttpClient.builder())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }
}
