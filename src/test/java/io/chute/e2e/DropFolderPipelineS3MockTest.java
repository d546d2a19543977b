package io.chute.e2e;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The drop-folder pipeline against Adobe S3Mock (faithful multipart and checksum semantics). */
@QuarkusTest
@TestProfile(DropFolderProfile.S3Mock.class)
class DropFolderPipelineS3MockTest extends DropFolderPipelineTest {
    @Override
    String server() {
        return "s3mock";
    }
}
