package io.chute.multipart;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.requestfilter.RequestFilterAction;
import com.github.tomakehurst.wiremock.extension.requestfilter.RequestWrapper;
import com.github.tomakehurst.wiremock.extension.requestfilter.StubRequestFilterV2;
import com.github.tomakehurst.wiremock.http.Body;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.chute.config.S3Connection;
import io.chute.s3.S3ClientFactory;
import io.chute.stability.FileIdentity;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3Server.Store;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TestConfig;
import io.chute.upload.FailureClassifier;
import io.chute.upload.UploadOutcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Ceph RGW ignores CRC32C values (it stores a part whose {@code x-amz-checksum-crc32c} is wrong), so on RGW the
 * CRC32C Chute sends with every part proves nothing. A part whose bytes are changed on the way is still refused:
 * Chute also sends each part's Content-MD5, which RGW checks. Here a proxy between Chute's own client (unsigned
 * payload over HTTP, as it ships) and a stock RGW flips one byte of part 2 once: RGW answers BadDigest, Chute
 * takes it as "the server saw other bytes" (the file goes back to the stability gate and is uploaded again), no
 * object is stored from the corrupted attempt, and the next attempt stores the file byte for byte.
 */
class CorruptedPartOnRgwTest {

    private static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;
    private WireMockServer proxy;
    private final ExecutorService parts = Executors.newFixedThreadPool(2);

    /** Flips one byte in the body of the first request for part 2, and records what it did. */
    static final class CorruptPartTwoOnce implements StubRequestFilterV2 {
        final AtomicInteger corrupted = new AtomicInteger();
        final List<String> partRequests = new CopyOnWriteArrayList<>();

        @Override
        public RequestFilterAction filter(Request request, ServeEvent serveEvent) {
            String url = request.getUrl();
            if (url.contains("partNumber=")) {
                partRequests.add(request.getMethod() + " " + url);
            }
            if (url.contains("partNumber=2") && corrupted.compareAndSet(0, 1)) {
                return RequestFilterAction.continueWith(RequestWrapper.create().transformBody(body -> {
                    byte[] bytes = body.asBytes().clone();
                    bytes[1000] ^= 0x01;
                    return new Body(bytes);
                }).wrap(request));
            }
            return RequestFilterAction.continueWith(request);
        }

        @Override
        public String getName() {
            return "corrupt-part-two-once";
        }
    }

    @AfterEach
    void stop() {
        parts.shutdownNow();
        if (proxy != null) {
            proxy.stop();
        }
    }

    @Test
    void onRgw_aPartCorruptedOnTheWay_isRefusedByItsMd5_nothingIsStored_andTheRetryStoresTheFile() throws Exception {
        S3Server rgw = SharedS3Servers.get(Store.CEPH_RGW);
        String bucket = SharedS3Servers.freshBucket(rgw, "corrupt");
        CorruptPartTwoOnce corruptor = new CorruptPartTwoOnce();
        proxy = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().preserveHostHeader(true)
                .extensions(corruptor));
        proxy.start();
        proxy.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(rgw.endpoint().toString())));
        Path file = tmp.resolve("twelve.bin");
        String sha = Files2.writeRandom(file, 12 * MIB, 41);
        ObjectRequest request = new ObjectRequest(file, FileIdentity.of(file), bucket, "twelve.bin",
                ObjectOptions.DEFAULTS);

        try (S3Client chute = S3ClientFactory.build(S3Connection.of(TestConfig.of(Map.of("chute.daemon", "false",
                "chute.s3.endpoint", proxy.baseUrl(), "chute.s3.path-style", "true",
                "chute.s3.access-key-id", rgw.accessKey(), "chute.s3.secret-access-key", rgw.secretKey())).s3()));
             S3Client direct = rgw.newClient()) {
            ObjectUploader uploader = new ObjectUploader(chute, parts, 5 * MIB, 5 * MIB, 10_000, false,
                    TransferListener.NONE);

            Throwable first = catchThrowable(() -> uploader.upload(request, UploadJournal.NONE, Optional.empty()));

            assertThat(corruptor.corrupted).as("the proxy changed part 2's bytes once").hasValue(1);
            assertThat(first).as("the attempt with the corrupted part").isNotNull();
            UploadOutcome outcome = FailureClassifier.classify(first);
            assertThat(outcome).isInstanceOf(UploadOutcome.SourceChanged.class);
            assertThat(((UploadOutcome.SourceChanged) outcome).detail())
                    .contains("server saw different bytes than were checksummed").contains("BadDigest");
            assertThat(direct.listObjectsV2(b -> b.bucket(bucket)).contents()).as("nothing stored").isEmpty();

            ObjectProof proof = uploader.upload(request, UploadJournal.NONE, Optional.empty());

            assertThat(proof.sizeInBytes()).isEqualTo(12 * MIB);
            try (var in = direct.getObject(b -> b.bucket(bucket).key("twelve.bin"))) {
                assertThat(Files2.sha256(in)).as("read back past the proxy").isEqualTo(sha);
            }
            assertThat(corruptor.partRequests).as("part 2 went twice: corrupted, then whole")
                    .filteredOn(r -> r.contains("partNumber=2")).hasSizeGreaterThanOrEqualTo(2);
        }
    }
}
