package io.chute.observability;

import org.junit.jupiter.api.Test;

import static io.chute.observability.SecretRedactingFilter.redact;
import static org.assertj.core.api.Assertions.assertThat;

class SecretRedactingFilterTest {

    @Test
    void authorizationHeaderValue_isRedacted_inHeaderAndWireLogs() {
        assertThat(redact("http-outgoing-0 >> Authorization: AWS4-HMAC-SHA256 Credential=AKIA/20261123/us-east-1/s3/"
                + "aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd"))
                .isEqualTo("http-outgoing-0 >> Authorization: <redacted>");
        assertThat(redact("http-outgoing-0 >> \"Authorization: AWS4-HMAC-SHA256 Signature=0123abcd[\\r][\\n]\""))
                .isEqualTo("http-outgoing-0 >> \"Authorization: <redacted>[\\r][\\n]\"");
    }

    @Test
    void sessionToken_isRedacted_inHeadersCanonicalRequestsAndPresignedUrls() {
        assertThat(redact("X-Amz-Security-Token: FwoGZXIvYXdzE+/=")).isEqualTo("X-Amz-Security-Token: <redacted>");
        assertThat(redact("host:s3\nx-amz-security-token:FwoGZXIvYXdzE+/=\n\nhost;x-amz-security-token"))
                .isEqualTo("host:s3\nx-amz-security-token:<redacted>\n\nhost;x-amz-security-token");
        assertThat(redact("GET /b/k?X-Amz-Security-Token=Fwo%2Fabc&X-Amz-Signature=9f8e7d HTTP/1.1"))
                .isEqualTo("GET /b/k?X-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted> HTTP/1.1");
    }

    @Test
    void textWithoutCredentials_isReturnedUnchanged() {
        String line = "rule=inbox path=/in/a.bin bucket=b key=k uploaded and verified (crc32c, 12 bytes)";
        assertThat(redact(line)).isSameAs(line);
        assertThat(redact("headers=[amz-sdk-invocation-id, Authorization, User-Agent]"))
                .isEqualTo("headers=[amz-sdk-invocation-id, Authorization, User-Agent]");
    }
}
