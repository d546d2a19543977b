package io.chute.e2e;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The same drop-folder specifications against the packaged artifact Quarkus launches (the jar here; the native
 * binary when built with {@code -Pnative} where GraalVM or Mandrel exists).
 */
@QuarkusIntegrationTest
@TestProfile(DropFolderProfile.S3Mock.class)
class DropFolderPipelineS3MockIT extends DropFolderPipelineS3MockTest {
}
