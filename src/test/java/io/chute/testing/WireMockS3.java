package io.chute.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
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

    /**
     * Scripts {@code server} as a store that accepts every write to {@code bucket} (PutObject, the three multipart
     * requests, DeleteObject, AbortMultipartUpload) and answers HeadObject with {@code headHeaders} (name, value,
     * name, value, ...) and nothing else: no SSE, storage class or metadata unless given. Stubs a test adds later
     * with the same match take precedence.
     */
    public static void acceptWrites(WireMockServer server, String bucket, String... headHeaders) {
        String objects = "/" + bucket + "/.*";
        server.stubFor(put(urlPathMatching(objects)).willReturn(aResponse().withStatus(200).withHeader("ETag", "\"e\"")));
        server.stubFor(post(urlPathMatching(objects)).withQueryParam("uploads", matching(".*")).willReturn(xml(
                "<InitiateMultipartUploadResult><Bucket>" + bucket + "</Bucket><Key>k</Key><UploadId>up-1</UploadId>"
                        + "</InitiateMultipartUploadResult>")));
        server.stubFor(post(urlPathMatching(objects)).withQueryParam("uploadId", matching(".*")).willReturn(xml(
                "<CompleteMultipartUploadResult><Bucket>" + bucket + "</Bucket><Key>k</Key><ETag>\"e-1\"</ETag>"
                        + "</CompleteMultipartUploadResult>")));
        server.stubFor(delete(urlPathMatching(objects)).willReturn(aResponse().withStatus(204)));
        ResponseDefinitionBuilder answer = aResponse().withStatus(200).withHeader("Content-Length", "16");
        for (int i = 0; i + 1 < headHeaders.length; i += 2) {
            answer = answer.withHeader(headHeaders[i], headHeaders[i + 1]);
        }
        server.stubFor(head(urlPathMatching(objects)).willReturn(answer));
    }

    /** A 200 with an XML body. */
    public static ResponseDefinitionBuilder xml(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/xml").withBody(body);
    }

    /** An S3 error answer: {@code status} with {@code code} and {@code message} in the XML body. */
    public static ResponseDefinitionBuilder error(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/xml")
                .withBody("<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>");
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
