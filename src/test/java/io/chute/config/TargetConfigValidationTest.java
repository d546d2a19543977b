package io.chute.config;

import io.chute.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One configuration test per class of invalid value, each asserting that the message starts with the property
 * path and, for closed sets, lists the accepted values. Mapped by SmallRye as the application maps it.
 */
class TargetConfigValidationTest {

    @TempDir
    Path tmp;

    private Map<String, String> valid() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("chute.state-dir", tmp.resolve("state").toString());
        p.put("chute.rules[0].name", "inbox");
        p.put("chute.rules[0].path", Files.createDirectories(tmp.resolve("inbox")).toString());
        p.put("chute.rules[0].bucket", "my-bucket");
        return p;
    }

    private List<String> errorsWith(String... keyValues) throws Exception {
        Map<String, String> p = valid();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return ConfigValidator.validate(TestConfig.of(p));
    }

    @Test
    void everyTargetOption_withValidValues_hasNoErrors() throws Exception {
        assertThat(errorsWith("chute.rules[0].key", "{hostname}/{yyyy}/{MM}/{dd}/{HH}/{rule}/{path}",
                "chute.rules[0].key-time", "upload", "chute.rules[0].storage-class", "glacier-ir",
                "chute.rules[0].sse", "aws-kms", "chute.rules[0].kms-key-id", "alias/chute",
                "chute.rules[0].tags.team", "imaging", "chute.rules[0].metadata.origin", "{hostname}:{name}",
                "chute.rules[0].content-type", "application/x-scan", "chute.rules[0].cache-control", "no-cache",
                "chute.rules[0].acl", "bucket-owner-full-control", "chute.rules[0].expected-bucket-owner", "123456789012",
                "chute.rules[0].overwrite", "false", "chute.rules[0].on-conflict", "suffix",
                "chute.s3.role-arn", "arn:aws:iam::123456789012:role/uploader", "chute.s3.external-id", "x",
                "chute.s3.role-session-duration", "2h", "chute.s3.sts-endpoint", "http://127.0.0.1:4566")).isEmpty();
    }

    @Test
    void unknownStorageClass_namesThePropertyAndListsTheAcceptedClasses() throws Exception {
        assertThat(errorsWith("chute.rules[0].storage-class", "COLD")).singleElement().asString()
                .startsWith("chute.rules[0].storage-class: unknown storage class 'COLD'; accepted: [STANDARD,")
                .contains("GLACIER_IR", "DEEP_ARCHIVE");
    }

    @Test
    void unknownSse_namesThePropertyAndListsTheAcceptedValues() throws Exception {
        assertThat(errorsWith("chute.rules[0].sse", "kms")).singleElement().asString()
                .isEqualTo("chute.rules[0].sse: unknown server-side encryption 'kms'; accepted: [none, aes256, aws-kms]");
    }

    @Test
    void kmsKeyIdWithoutAwsKms_isRefused() throws Exception {
        assertThat(errorsWith("chute.rules[0].sse", "aes256", "chute.rules[0].kms-key-id", "alias/x"))
                .singleElement().asString().startsWith("chute.rules[0].kms-key-id: is only used with sse: aws-kms");
    }

    @Test
    void unknownAcl_keyTimeAndConflictPolicy_listTheirAcceptedValues() throws Exception {
        assertThat(errorsWith("chute.rules[0].acl", "everyone", "chute.rules[0].key-time", "ctime",
                "chute.rules[0].on-conflict", "rename"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].acl: unknown canned ACL 'everyone'; accepted: [private,"))
                .anySatisfy(e -> assertThat(e).isEqualTo("chute.rules[0].key-time: unknown key time 'ctime'; accepted: [mtime, upload]"))
                .anySatisfy(e -> assertThat(e).isEqualTo(
                        "chute.rules[0].on-conflict: unknown conflict policy 'rename'; accepted: [quarantine, suffix]"))
                .hasSize(3);
    }

    @Test
    void unknownPlaceholder_inKeyOrMetadata_namesThePropertyAndTheKnownPlaceholders() throws Exception {
        assertThat(errorsWith("chute.rules[0].key", "{date}/{path}", "chute.rules[0].metadata.origin", "{host}"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].key: unknown placeholder {date}; known: [")
                        .contains("hostname", "yyyy"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].metadata.origin: unknown placeholder {host}"))
                .hasSize(2);
    }

    @Test
    void malformedExpectedBucketOwnerAndContentType_areRefused() throws Exception {
        assertThat(errorsWith("chute.rules[0].expected-bucket-owner", "my-account", "chute.rules[0].content-type", "json"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].expected-bucket-owner: 'my-account' is not a 12-digit"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.rules[0].content-type: 'json' is not a media type"))
                .hasSize(2);
    }

    @Test
    void moreThanTenTags_areRefused() throws Exception {
        Map<String, String> p = valid();
        for (int i = 0; i < 11; i++) {
            p.put("chute.rules[0].tags.t" + i, "v");
        }
        assertThat(ConfigValidator.validate(TestConfig.of(p))).singleElement().asString()
                .startsWith("chute.rules[0].tags: S3 allows at most 10 tags per object");
    }

    @Test
    void zeroOrNegativeSizes_nameTheirProperties() throws Exception {
        assertThat(errorsWith("chute.upload.parts-in-flight", "0", "chute.upload.queue-capacity", "-1",
                "chute.s3.max-parts", "0", "chute.s3.max-connections", "0"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.upload.parts-in-flight: must be at least 1"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.upload.queue-capacity: must be at least 1"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.s3.max-parts: must be between 1 and 10000"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.s3.max-connections: must be at least 1"))
                .hasSize(4);
    }

    @Test
    void badEndpointUrls_nameTheirProperties() throws Exception {
        assertThat(errorsWith("chute.s3.endpoint", "localhost:9000", "chute.s3.sts-endpoint", "file:///sts"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.s3.endpoint: 'localhost:9000' is not an http(s) URL"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.s3.sts-endpoint: 'file:///sts' is not an http(s) URL"))
                .hasSize(2);
    }

    @Test
    void invalidBucketName_isRefused() throws Exception {
        assertThat(errorsWith("chute.rules[0].bucket", "ab")).singleElement().asString()
                .startsWith("chute.rules[0].bucket: 'ab' is not a valid bucket name");
    }

    @Test
    void duplicateRuleNames_nameTheSecondRule() throws Exception {
        assertThat(errorsWith("chute.rules[1].name", "inbox", "chute.rules[1].bucket", "other-bucket",
                "chute.rules[1].path", Files.createDirectories(tmp.resolve("other")).toString()))
                .singleElement().asString().isEqualTo("chute.rules[1].name: duplicate rule name 'inbox'");
    }

    @Test
    void moveWithoutArchiveDir_namesArchiveDir() throws Exception {
        assertThat(errorsWith("chute.rules[0].after-upload", "move")).singleElement().asString()
                .isEqualTo("chute.rules[0].archive-dir: is required when after-upload is move");
    }

    @Test
    void roleOptions_withoutRoleArn_orOutOfStsLimits_areRefused() throws Exception {
        assertThat(errorsWith("chute.s3.external-id", "x", "chute.s3.role-session-duration", "5m"))
                .anySatisfy(e -> assertThat(e).isEqualTo("chute.s3.external-id: is only used with role-arn"))
                .anySatisfy(e -> assertThat(e).startsWith("chute.s3.role-session-duration: must be between 15m and 12h"))
                .hasSize(2);
        assertThat(errorsWith("chute.s3.role-arn", "uploader")).singleElement().asString()
                .startsWith("chute.s3.role-arn: 'uploader' is not an IAM role ARN");
    }

    @Test
    void staticKeyWithoutSecret_isRefused() throws Exception {
        assertThat(errorsWith("chute.s3.access-key-id", "AKIAEXAMPLE")).singleElement().asString()
                .startsWith("chute.s3.access-key-id: access-key-id and secret-access-key must be given together");
    }

    @Test
    void metadata_nonAsciiValue_isAccepted_controlCharacterOrNonTokenName_isRefused() throws Exception {
        assertThat(errorsWith("chute.rules[0].metadata.site", "Zürich {name}")).isEmpty();
        assertThat(errorsWith("chute.rules[0].metadata.site", "line one\nline two")).singleElement().asString()
                .isEqualTo("chute.rules[0].metadata.site: contains the control character U+000A, which no HTTP header"
                        + " can carry");
        assertThat(errorsWith("chute.rules[0].metadata.owner@site", "x")).singleElement().asString()
                .startsWith("chute.rules[0].metadata.owner@site: 'owner@site' is not a valid metadata name");
    }

    @Test
    void contentTypeAndCacheControl_outsidePrintableAscii_areRefused() throws Exception {
        assertThat(errorsWith("chute.rules[0].content-type", "text/plain; charset=\u00fc",
                "chute.rules[0].cache-control", "max-age=60\t"))
                .anySatisfy(e -> assertThat(e).isEqualTo(
                        "chute.rules[0].content-type: contains U+00FC; this header takes printable ASCII only"))
                .anySatisfy(e -> assertThat(e).isEqualTo(
                        "chute.rules[0].cache-control: contains U+0009; this header takes printable ASCII only"));
    }
}
