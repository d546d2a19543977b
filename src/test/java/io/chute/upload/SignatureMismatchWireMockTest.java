package io.chute.upload;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.completion.Completion;
import io.chute.completion.ReceiptStore;
import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.config.DropRule;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.TransferListener;
import io.chute.stability.FileIdentity;
import io.chute.stability.StableFile;
import io.chute.testing.TestRules;
import io.chute.testing.WireMockS3;
import io.chute.upload.UploadOutcome.RetryLater.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store that refuses the signature of one file's request (Ceph RGW with raw UTF-8 metadata): the uploader asks
 * whether a request without the file's headers (HeadBucket) succeeds with the same credentials, and only then
 * blames the file; when HeadBucket fails too, the credentials are to blame and the rule pauses.
 */
@Tag("hostile")
class SignatureMismatchWireMockTest {

    private static final String SIGNATURE_MISMATCH = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error>"
            + "<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the"
            + " signature you provided.</Message></Error>";

    @TempDir
    Path tmp;

    private WireMockServer server;
    private S3Client s3;
    private ExecutorService parts;
    private FileUploader uploader;
    private DropRule rule;

    @BeforeEach
    void wire() throws Exception {
        server = WireMockS3.start();
        s3 = WireMockS3.client(server);
        parts = Executors.newFixedThreadPool(1);
        Clock clock = Clock.systemUTC();
        Path state = tmp.resolve("state");
        SidecarStore sidecars = new SidecarStore(new byte[32], clock);
        ObjectUploader engine = new ObjectUploader(s3, parts, 16L << 20, 0, 10_000, true, TransferListener.NONE);
        uploader = new FileUploader(engine, sidecars, new UploadLedger(state, clock),
                new Completion(new ReceiptStore(state), sidecars, state, clock), "wiremock", clock);
        TestRules t = TestRules.in(Files.createDirectories(tmp.resolve("inbox")));
        t.bucket = "bucket";
        t.afterUpload = AfterUpload.DELETE;
        rule = t.build();
        server.stubFor(put(urlPathMatching("/bucket/caf.*\\.txt")).willReturn(aResponse().withStatus(403)
                .withHeader("Content-Type", "application/xml").withBody(SIGNATURE_MISMATCH)));
    }

    @AfterEach
    void stop() {
        parts.shutdownNow();
        s3.close();
        server.stop();
    }

    private UploadOutcome attempt() throws Exception {
        Path file = Files.writeString(rule.folder().resolve("caf\u00e9.txt"), "bonjour");
        return uploader.attempt(new StableFile(rule, file, FileIdentity.of(file), Instant.now()));
    }

    @Test
    void signatureRefusedForOneFile_whileHeadBucketSucceeds_isThatFilesFailureOnly() throws Exception {
        server.stubFor(head(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(200)));

        UploadOutcome outcome = attempt();

        assertThat(outcome).isInstanceOfSatisfying(UploadOutcome.RetryLater.class, r -> {
            assertThat(r.reason()).isEqualTo(FailureReason.SIGNATURE_MISMATCH);
            assertThat(r.scope()).isEqualTo(Scope.FILE);
            assertThat(r.detail()).contains("SignatureDoesNotMatch", "requests without this file's headers succeed");
        });
        assertThat(server.findAll(headRequestedFor(urlPathEqualTo("/bucket")))).hasSize(1);
    }

    @Test
    void signatureRefusedForOneFile_andForHeadBucketToo_isTheCredentials_andPausesTheRule() throws Exception {
        server.stubFor(head(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(403)));

        UploadOutcome outcome = attempt();

        assertThat(outcome).isInstanceOfSatisfying(UploadOutcome.RetryLater.class, r -> {
            assertThat(r.reason()).isEqualTo(FailureReason.CREDENTIALS);
            assertThat(r.scope()).isEqualTo(Scope.RULE);
            assertThat(r.detail()).contains("SignatureDoesNotMatch", "HeadBucket fails too");
        });
    }
}
