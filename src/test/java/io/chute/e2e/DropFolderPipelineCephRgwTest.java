package io.chute.e2e;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.net.URL;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The drop-folder pipeline against Ceph RGW as Debian ships it (single node, memstore OSD): a store that ignores
 * checksum values and the conditional CompleteMultipartUpload, so uploads are proven by MD5 ETags, the fallback
 * the startup probe chose and that the status API names per rule. Skipped, saying what to install, where the Ceph
 * packages are missing.
 */
@QuarkusTest
@TestProfile(DropFolderProfile.CephRgw.class)
@EnabledIf(value = "io.chute.testing.CephRgw#installed",
        disabledReason = "Ceph RGW binaries missing (apt-get install ceph-mon ceph-osd radosgw)")
class DropFolderPipelineCephRgwTest extends DropFolderPipelineTest {

    @TestHTTPResource(value = "/status", management = true)
    URL status;

    @Override
    String server() {
        return "ceph-rgw";
    }

    @Test
    void statusApi_namesTheFallbackEachRuleUses_onAStoreThatIgnoresCrc32c() {
        List<String> names = given().get(status).then().statusCode(200).extract().jsonPath().getList("rules.name");
        assertThat(names).containsExactly("del", "mv", "slow");
        for (int i = 0; i < names.size(); i++) {
            List<String> fallbacks = given().get(status).then().statusCode(200).extract().jsonPath()
                    .getList("rules[" + i + "].fallbacks");
            assertThat(fallbacks).as(names.get(i)).containsExactly(
                    "verification by MD5 ETag (Content-MD5 on every part), since CRC32C is not honoured");
        }
    }
}
