package io.chute.config;

import io.chute.config.ChuteConfig.Rule;
import io.chute.config.TargetOptions.KeyTime;
import io.chute.config.TargetOptions.OnConflict;
import io.chute.config.TargetOptions.Sse;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The {@link ConfigValidator} checks of the target options (how objects are stored) and of the credential
 * settings. Each error goes to {@code error(property, message)}; value errors list the accepted values.
 */
final class TargetChecks {

    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:[a-z-]+:iam::\\d{12}:role/.+");
    /** S3's limits on object tags: at most 10, key ≤ 128 and value ≤ 256 Unicode characters. */
    private static final int MAX_TAGS = 10;
    private static final Duration MIN_SESSION = Duration.ofMinutes(15);
    private static final Duration MAX_SESSION = Duration.ofHours(12);

    private TargetChecks() {
    }

    static void check(String at, Rule rule, BiConsumer<String, String> error) {
        oneOf(at + ".key-time", "key time", rule.keyTime(), TargetOptions.spellings(KeyTime.class),
                TargetOptions.parse(KeyTime.class, rule.keyTime()).isPresent(), error);
        rule.storageClass().ifPresent(sc -> oneOf(at + ".storage-class", "storage class", sc,
                TargetOptions.STORAGE_CLASSES, TargetOptions.STORAGE_CLASSES.contains(TargetOptions.normalise(sc)), error));
        boolean sseKnown = TargetOptions.parse(Sse.class, rule.sse()).isPresent();
        oneOf(at + ".sse", "server-side encryption", rule.sse(), TargetOptions.spellings(Sse.class), sseKnown, error);
        if (sseKnown && rule.kmsKeyId().isPresent()
                && TargetOptions.parse(Sse.class, rule.sse()).get() != Sse.AWS_KMS) {
            error.accept(at + ".kms-key-id", "is only used with sse: aws-kms, but sse is '" + rule.sse() + "'");
        }
        rule.acl().ifPresent(acl -> oneOf(at + ".acl", "canned ACL", acl, TargetOptions.CANNED_ACLS,
                TargetOptions.CANNED_ACLS.contains(acl.toLowerCase(Locale.ROOT).replace('_', '-')), error));
        oneOf(at + ".on-conflict", "conflict policy", rule.onConflict(), TargetOptions.spellings(OnConflict.class),
                TargetOptions.parse(OnConflict.class, rule.onConflict()).isPresent(), error);
        rule.expectedBucketOwner().filter(id -> !ACCOUNT_ID.matcher(id).matches()).ifPresent(id ->
                error.accept(at + ".expected-bucket-owner", "'" + id + "' is not a 12-digit AWS account id"));
        rule.contentType().filter(ct -> !ct.contains("/")).ifPresent(ct ->
                error.accept(at + ".content-type", "'" + ct + "' is not a media type (type/subtype)"));
        checkTags(at + ".tags", rule.tags(), error);
        rule.contentType().ifPresent(v -> printableAscii(at + ".content-type", v, error));
        rule.cacheControl().ifPresent(v -> printableAscii(at + ".cache-control", v, error));
    }

    /** Standard headers (unlike user metadata) have no encoding for other characters: printable ASCII only. */
    private static void printableAscii(String at, String value, BiConsumer<String, String> error) {
        value.chars().filter(c -> c < 0x20 || c >= 0x7f).findFirst().ifPresent(c -> error.accept(at,
                "contains " + String.format("U+%04X", c) + "; this header takes printable ASCII only"));
    }

    private static void checkTags(String at, Map<String, String> tags, BiConsumer<String, String> error) {
        if (tags.size() > MAX_TAGS) {
            error.accept(at, "S3 allows at most " + MAX_TAGS + " tags per object, got " + tags.size());
        }
        tags.forEach((k, v) -> {
            if (k.isEmpty() || k.length() > 128) {
                error.accept(at + "." + k, "tag keys must be 1-128 characters");
            }
            if (v.length() > 256) {
                error.accept(at + "." + k, "tag values must be at most 256 characters");
            }
        });
    }

    static void checkCredentials(String at, S3Connection s3, BiConsumer<String, String> error) {
        s3.roleArn().filter(arn -> !ROLE_ARN.matcher(arn).matches()).ifPresent(arn ->
                error.accept(at + ".role-arn", "'" + arn + "' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"));
        if (s3.roleArn().isEmpty()) {
            s3.externalId().ifPresent(x -> error.accept(at + ".external-id", "is only used with role-arn"));
            s3.sourceProfile().ifPresent(x -> error.accept(at + ".source-profile", "is only used with role-arn"));
        }
        Duration session = s3.roleSessionDuration();
        if (session.compareTo(MIN_SESSION) < 0 || session.compareTo(MAX_SESSION) > 0) {
            error.accept(at + ".role-session-duration", "must be between 15m and 12h (STS limits), was " + session);
        }
        if (s3.roleSessionName().isBlank() || !s3.roleSessionName().matches("[\\w+=,.@-]{2,64}")) {
            error.accept(at + ".role-session-name", "must be 2-64 of letters, digits and _+=,.@-");
        }
        s3.stsEndpoint().ifPresent(uri -> {
            if (uri.getHost() == null || !List.of("http", "https").contains(String.valueOf(uri.getScheme()))) {
                error.accept(at + ".sts-endpoint", "'" + uri + "' is not an http(s) URL with a host");
            }
        });
        if (s3.sourceProfile().isPresent() && (s3.profile().isPresent() || s3.accessKeyId().isPresent())) {
            error.accept(at + ".source-profile", "give either source-profile or profile/access keys as the base"
                    + " credentials of the role, not both");
        }
    }

    private static void oneOf(String at, String what, String value, List<String> accepted, boolean known,
                              BiConsumer<String, String> error) {
        if (!known) {
            error.accept(at, "unknown " + what + " '" + value + "'; accepted: " + accepted);
        }
    }
}
