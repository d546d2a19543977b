package io.chute.observability;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/**
 * With the daemon off ({@code chute.daemon=false}, as for one-shot commands) the status API answers 503 and
 * readiness is DOWN saying so, while liveness stays UP (nothing to restart).
 */
@QuarkusTest
class ManagementWithoutDaemonTest {

    @TestHTTPResource(value = "/status", management = true)
    URL status;
    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;
    @TestHTTPResource(value = "/health/live", management = true)
    URL live;

    @Test
    void statusApi_answers503_whenTheDaemonIsNotRunning() {
        given().get(status).then().statusCode(503).contentType("application/json")
                .body("error", equalTo("the daemon is not running"));
    }

    @Test
    void readinessIsDown_andLivenessUp_whenTheDaemonIsNotRunning() {
        given().get(ready).then().statusCode(503).body("checks[0].data.pipeline", equalTo("not started"));
        given().get(live).then().statusCode(200);
    }
}
