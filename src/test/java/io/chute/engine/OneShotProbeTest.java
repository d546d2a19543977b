package io.chute.engine;

import io.chute.multipart.CompletedPart;
import io.chute.multipart.MultipartSession;
import io.chute.multipart.ObjectOptions;
import io.chute.multipart.ObjectRequest;
import io.chute.multipart.TransferListener;
import io.chute.multipart.UploadJournal;
import io.chute.stability.FileIdentity;
import io.chute.testing.Files2;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chute upload}'s engine runs the endpoint probe for a multipart file ({@link UploadEngine#probeInBackground}):
 * on an endpoint that checks and reports CRC32C (S3Mock), the parts go without the MD5 the daemon also skips
 * there; without the probe every part carries one.
 */
class OneShotProbeTest {

    private static S3Server server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() {
        server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK);
    }

    @Test
    void afterTheProbe_partsCarryNoMd5() throws Exception {
        assertThat(partsOfAnUpload(true)).isNotEmpty().allSatisfy(p -> assertThat(p.md5()).isNull());
    }

    @Test
    void withoutTheProbe_everyPartCarriesAnMd5() throws Exception {
        assertThat(partsOfAnUpload(false)).isNotEmpty().allSatisfy(p -> assertThat(p.md5()).isNotNull());
    }

    private List<CompletedPart> partsOfAnUpload(boolean probe) throws Exception {
        String bucket = "probe-" + UUID.randomUUID().toString().substring(0, 8);
        server.createBucket(bucket);
        Map<String, String> p = server.chuteProperties(server.endpoint().toString(), tmp.resolve("state"));
        p.put("chute.daemon", "false");
        p.put("chute.upload.multipart-threshold", "5M");
        p.put("chute.upload.part-size", "5M");
        Path file = tmp.resolve("big.bin");
        Files2.writeRandom(file, 11 * 1024 * 1024, 5);
        List<CompletedPart> parts = new CopyOnWriteArrayList<>();
        try (UploadEngine engine = UploadEngine.open(TestConfig.of(p), TransferListener.NONE, Clock.systemUTC())) {
            if (probe) {
                engine.probeInBackground(bucket).join();
            }
            engine.objects().upload(new ObjectRequest(file, FileIdentity.of(file), bucket, "big.bin",
                    ObjectOptions.DEFAULTS), recording(parts), Optional.empty());
        }
        return parts;
    }

    private static UploadJournal recording(List<CompletedPart> parts) {
        return new UploadJournal() {
            @Override
            public void started(MultipartSession session) {
            }

            @Override
            public void resumed(MultipartSession session, Collection<CompletedPart> confirmed) {
            }

            @Override
            public void partCompleted(CompletedPart part) {
                parts.add(part);
            }
        };
    }
}
