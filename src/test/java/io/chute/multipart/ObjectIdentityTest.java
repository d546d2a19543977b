package io.chute.multipart;

import io.chute.stability.FileIdentity;
import io.chute.testing.S3Server;
import io.chute.testing.S3Server.Store;
import io.chute.testing.SharedS3Servers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ObjectIdentityTest {

    private static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void partSizesFor_keepsOnlySizesGivingExactlyThePartCount_chutesFirst() {
        assertThat(ObjectIdentity.partSizesFor(12 * MIB, 3, 16 * MIB)).containsExactly(5 * MIB);
        assertThat(ObjectIdentity.partSizesFor(20 * MIB, 3, 7 * MIB)).containsExactly(7 * MIB, 8 * MIB);
        assertThat(ObjectIdentity.partSizesFor(100 * MIB, 7, 16 * MIB)).containsExactly(16 * MIB, 15 * MIB);
        assertThat(ObjectIdentity.partSizesFor(100 * MIB, 1000, 16 * MIB)).isEmpty();
    }

    @Test
    void sameSizeObject_aboveTheReadBackLimit_withAnEtagThatProvesNothing_isUnproven_notDifferent() throws Exception {
        S3Server server = SharedS3Servers.get(Store.S3MOCK);
        String bucket = SharedS3Servers.freshBucket(server, "identity");
        Path file = Files.writeString(tmp.resolve("f.txt"), "abcdefghijklmnopqrstuvwxyz");
        try (S3Client s3 = server.newClient()) {
            s3.putObject(b -> b.bucket(bucket).key("f.txt"), RequestBody.fromString("abcdefghijklmnopqrstuvwxyZ"));
            ObjectVerifier verifier = new ObjectVerifier(s3);
            ObjectRequest request = new ObjectRequest(file, FileIdentity.of(file), bucket, "f.txt",
                    new ObjectOptions(null, null, null, Map.of(), Map.of(), null, null, null, null, false));
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                PartPlan plan = PartPlan.of(26, 16 * MIB, 10_000);
                var head = verifier.head(request).orElseThrow();
                assertThat(new ObjectIdentity(s3, verifier, 10).compare(request, channel, plan, head))
                        .isInstanceOfSatisfying(ObjectIdentity.Verdict.Unproven.class, u -> assertThat(u.why())
                                .startsWith("could not prove identity").contains("read-back limit of 10 bytes"));
                assertThat(new ObjectIdentity(s3, verifier, 1024).compare(request, channel, plan, head))
                        .isInstanceOfSatisfying(ObjectIdentity.Verdict.Different.class,
                                d -> assertThat(d.why()).endsWith("at offset 25"));
            }
        }
    }
}
