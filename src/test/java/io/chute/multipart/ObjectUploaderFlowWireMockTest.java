package io.chute.multipart;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.chute.stability.FileIdentity;
import io.chute.testing.Files2;
import io.chute.testing.WireMockS3;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;







import software.amazon.awssdk.services.s3.S3Client;


import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ObjectUploader} sending through a {@link FlowControl}, against WireMock playing S3 on 127.0.0.1: parts
 * larger than the whole byte budget still go, one at a time; a part still waiting for its permit when shutdown
 * starts is not sent.
 */
class ObjectUploaderFlowWireMockTest {

    private static final long MIB = 1024 * 1024;
    private static final String KEY = "big.bin";

    @TempDir
    Path tmp;
    private WireMockServer server;
    private S3Client s3;
    private ExecutorService parts;
    private final AtomicInteger partThreads = new AtomicInteger();

    @BeforeEach
    void start() {
        server = WireMockS3.start();
        s3 = WireMockS3.client(server);
        parts = Executors.newFixedThreadPool(3, r -> new Thread(r, "flow-test-part-" + partThreads.getAndIncrement()));
    }

    @AfterEach
    void stop() {
        parts.shutdownNow();
        s3.close();
        server.stop();
    }

    private ObjectUploader uploader(FlowControl flow) {
        return new ObjectUploader(s3, parts, 5 * MIB, 5 * MIB, 10_000, false, new TransferListener() {
        }, flow);
    }

    private Path file(long size) throws Exception {
        Path file = tmp.resolve(KEY);
        Files2.writeRandom(file, size, 1);
        String etag = multipartEtag(Files.readAllBytes(file), 5 * (int) MIB);
        server.stubFor(post(urlPathEqualTo("/bucket/" + KEY)).withQueryParam("uploads", WireMock.matching(".*"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/xml").withBody(
                        "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>" + KEY
                                + "</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>")));
        server.stubFor(put(urlPathEqualTo("/bucket/" + KEY))
                .willReturn(aResponse().withStatus(200).withHeader("ETag", "\"part-etag\"")));
        server.stubFor(post(urlPathEqualTo("/bucket/" + KEY)).withQueryParam("uploadId", WireMock.equalTo("up-1"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/xml").withBody(
                        "<CompleteMultipartUploadResult><Bucket>bucket</Bucket><Key>" + KEY
                                + "</Key><ETag>\"e-3\"</ETag></CompleteMultipartUploadResult>")));
        server.stubFor(head(urlPathEqualTo("/bucket/" + KEY)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Length", String.valueOf(size)).withHeader("ETag", "\"" + etag + "\"")));
        return file;
    }

    /** S3's ETag of a multipart object: MD5 of the parts' MD5s, dash, part count. */
    private static String multipartEtag(byte[] bytes, int partSize) throws Exception {
        MessageDigest all = MessageDigest.getInstance("MD5");
        int count = 0;
        for (int offset = 0; offset < bytes.length; offset += partSize) {
            MessageDigest part = MessageDigest.getInstance("MD5");
            part.update(bytes, offset, Math.min(partSize, bytes.length - offset));
            all.update(part.digest());
            count++;
        }
        return HexFormat.of().formatHex(all.digest()) + "-" + count;
    }

    private ObjectRequest request(Path file) throws Exception {
        return new ObjectRequest(file, FileIdentity.of(file), "bucket", KEY, ObjectOptions.DEFAULTS);
    }

    @Test
    void partsLargerThanTheWholeByteBudget_goOneAtATime_andTheUploadCompletes() throws Exception {
        Clock clock = Clock.systemUTC();
        FlowControl flow = new FlowControl(AdaptiveGate.of(3, true, clock), AdaptiveGate.of(1, true, clock),
                new ByteBudget(MIB));
        Path file = file(12 * MIB);

        uploader(flow).upload(request(file), UploadJournal.NONE, Optional.empty());

        assertThat(server.findAll(putRequestedFor(urlPathEqualTo("/bucket/" + KEY)))).hasSize(3);
        assertThat(flow.bytes().highWaterInBytes()).isEqualTo(MIB);
    }

    @Test
    void shutdownWhileAPartWaitsForItsPermit_sendsNoPart_andEndsTheUploadAsInterrupted() throws Exception {
        FlowControl flow = new FlowControl(AdaptiveGate.of(1, false, Clock.systemUTC()),
                AdaptiveGate.of(1, false, Clock.systemUTC()), ByteBudget.unlimited());
        Path file = file(12 * MIB);
        ObjectUploader uploader = uploader(flow);
        flow.parts().acquire(); // another upload holds the only part permit
        java.util.concurrent.ExecutorService uploading = java.util.concurrent.Executors.newSingleThreadExecutor(
                r -> new Thread(r, "flow-test-uploader"));
        java.util.concurrent.Future<ObjectProof> upload = uploading.submit(
                () -> uploader.upload(request(file), UploadJournal.NONE, Optional.empty()));
        uploading.shutdown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (waitingForAPermit() < 1) {
            assertThat(System.nanoTime()).as("the first part waits for the permit").isLessThan(deadline);
            Thread.sleep(10);
        }

        uploader.stopStartingParts();
        flow.parts().release();

        assertThatThrownBy(() -> upload.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .rootCause().isInstanceOf(InterruptedException.class).hasMessageContaining("0 of 3 parts");
        assertThat(server.findAll(postRequestedFor(urlPathEqualTo("/bucket/" + KEY)))).hasSize(1); // create only
        assertThat(server.findAll(putRequestedFor(urlPathEqualTo("/bucket/" + KEY)))).isEmpty();
    }

    /**
     * Uploading threads blocked in {@link AdaptiveGate#acquire}: a part's permit is taken before the part is
     * submitted, so a waiting part holds no part thread.
     */
    private static long waitingForAPermit() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().equals("flow-test-uploader"))
                .filter(e -> Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().equals(AdaptiveGate.class.getName())
                        && f.getMethodName().equals("acquire")))
                .count();
    }
}
