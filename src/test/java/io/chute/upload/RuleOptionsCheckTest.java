package io.chute.upload;

import io.chute.multipart.ObjectOptions;
import io.chute.multipart.StoredOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SSE-KMS as the start probe judges it, which no test server can show (none offers KMS): AWS reports the key's ARN
 * whatever the rule named, so a bare key id matches its ARN, an alias matches any reported key, and another key
 * or none makes the rule not ready.
 */
class RuleOptionsCheckTest {

    private static final String KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
    private static final String KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/" + KEY_ID;
    private static final String OTHER_ARN = "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-00aa-00aa-00aa-000000000000";

    private static ObjectOptions kms(String keyId) {
        return new ObjectOptions(null, "aws:kms", keyId, Map.of(), Map.of(), null, null, null, null, true);
    }

    private static StoredOptions storedWith(String sse, String kmsKeyId) {
        return new StoredOptions(Optional.of(new StoredOptions.Head("STANDARD", sse, kmsKeyId, Map.of())),
                Optional.empty(), Optional.empty(), List.of());
    }

    private static Optional<String> notReady(String configured, StoredOptions singlePart, StoredOptions multipart) {
        return RuleOptionsCheck.compare(kms(configured), singlePart, multipart).notReady();
    }

    @Test
    void aBareKeyId_isKeptWhenTheStoreReportsThatKeysArn() {
        assertThat(notReady(KEY_ID, storedWith("aws:kms", KEY_ARN), storedWith("aws:kms", KEY_ARN))).isEmpty();
        assertThat(notReady(KEY_ARN, storedWith("aws:kms", KEY_ARN), storedWith("aws:kms", KEY_ARN))).isEmpty();
    }

    @Test
    void anotherKeyOnMultipart_makesTheRuleNotReady_namingTheKeyStored() {
        assertThat(notReady(KEY_ID, storedWith("aws:kms", KEY_ARN), storedWith("aws:kms", OTHER_ARN))).hasValue(
                "SSE aws:kms with key " + KEY_ID + " requested but the store stored multipart probe objects with key "
                        + OTHER_ARN);
    }

    @Test
    void anAlias_isKeptWithAnyReportedKey_butNotWithoutOne() {
        assertThat(notReady("alias/chute", storedWith("aws:kms", OTHER_ARN), storedWith("aws:kms", KEY_ARN))).isEmpty();
        assertThat(notReady("alias/chute", storedWith("aws:kms", null), storedWith("aws:kms", null))).hasValue(
                "SSE aws:kms with key alias/chute requested but the store stored single-part and multipart probe"
                        + " objects without naming its KMS key");
    }

    @Test
    void sseS3InsteadOfKms_makesTheRuleNotReady() {
        assertThat(notReady(KEY_ID, storedWith("AES256", null), storedWith("aws:kms", KEY_ARN))).hasValue(
                "SSE aws:kms with key " + KEY_ID + " requested but the store stored single-part probe objects with"
                        + " AES256");
    }
}
