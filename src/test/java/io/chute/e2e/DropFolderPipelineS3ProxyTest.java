package io.chute.e2e;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The drop-folder pipeline against S3Proxy, which verifies SigV4 signatures, keeps a storage class given on
 * PutObject but stores multipart objects as STANDARD: the move rule asks for STANDARD_IA, starts ready, uploads,
 * and the status API names the limitation for that rule only.
 */
@QuarkusTest
@TestProfile(DropFolderProfile.S3Proxy.class)
class DropFolderPipelineS3ProxyTest extends DropFolderPipelineTest {

    @TestHTTPResource(value = "/status", management = true)
    URL status;

    @Override
    String server() {
        return "s3proxy";
    }

    @Test
    void statusApi_namesTheStorageClassNotKeptOnMultipart_forTheRuleThatAsksForIt() {
        var json = given().get(status).then().statusCode(200).extract().jsonPath();
        assertThat(json.getList("rules.name")).containsExactly("del", "mv", "slow");
        assertThat(json.getList("rules[1].fallbacks", String.class)).containsExactly(
                "storage class STANDARD_IA not kept on multipart objects (stored as STANDARD)");
        assertThat(json.getList("rules[0].fallbacks", String.class)).isEmpty();
        assertThat(json.getList("rules[2].fallbacks", String.class)).isEmpty();
    }
}
