package io.chute.e2e;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The drop-folder pipeline against S3Proxy, which verifies SigV4 signatures. */
@QuarkusTest
@TestProfile(DropFolderProfile.S3Proxy.class)
class DropFolderPipelineS3ProxyTest extends DropFolderPipelineTest {
    @Override
    String server() {
        return "s3proxy";
    }
}
