package io.chute.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.chute.testing.S3Server.Store;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The JVM's shared Ceph RGW ({@link CephRgw}, skipped where the Ceph packages are missing): it stores and returns
 * bytes unchanged, checks SigV4 signatures as it ships, and none of its three daemons listens beyond loopback.
 */
class CephRgwTest {

    @Test
    void putThenGet_returnsIdenticalBytes_throughAMultipartUploadToo() {
        S3Server rgw = SharedS3Servers.get(Store.CEPH_RGW);
        String bucket = SharedS3Servers.freshBucket(rgw, "rgw-roundtrip");
        byte[] data = new byte[(5 << 20) + 4099];
        new Random(42).nextBytes(data);
        try (S3Client s3 = rgw.newClient()) {
            s3.putObject(b -> b.bucket(bucket).key("dir/sub dir/object.bin"), RequestBody.fromBytes(data));
            assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("dir/sub dir/object.bin")).asByteArray()).isEqualTo(data);
        }
    }

    @Test
    void aWrongSecretKey_isRefusedWith403() {
        S3Server rgw = SharedS3Servers.get(Store.CEPH_RGW);
        String bucket = SharedS3Servers.freshBucket(rgw, "rgw-auth");
        try (S3Client wrong = rgw.newClient(rgw.accessKey(), rgw.secretKey() + "-wrong")) {
            assertThatThrownBy(() -> wrong.putObject(b -> b.bucket(bucket).key("k"), RequestBody.fromString("x")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }
    }

    @Test
    void everyListeningSocketOfTheMonitorOsdAndGateway_isLoopback() throws IOException {
        S3Server rgw = SharedS3Servers.get(Store.CEPH_RGW);
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
        assertThat(rgw.pids()).as("monitor, OSD, gateway").hasSize(3);
        List<InetAddress> listening = new ArrayList<>();
        for (long pid : rgw.pids()) {
            listening.addAll(S3ServerProcessTest.listeningAddresses(pid));
        }
        assertThat(listening).as("listening sockets of %s", rgw).isNotEmpty().allMatch(InetAddress::isLoopbackAddress);
    }
}
