package io.chute.upload;

import java.util.Locale;

/** The closed set of failure reasons used as the {@code reason} metric tag and in logs. */
public enum FailureReason {
    THROTTLED, SERVER_ERROR, NETWORK, ACCESS_DENIED, NO_SUCH_BUCKET, CREDENTIALS, CLIENT_ERROR,
    INVALID_KEY, VERIFICATION_FAILED, SOURCE_UNREADABLE, CHECKPOINT_IO, SOURCE_CHANGED, UNKNOWN,
    /** A no-overwrite rule found a different object under the key. */
    CONFLICT,
    /** KMS refused a key operation for SSE-KMS (key disabled, missing, or kms:* permission missing). */
    KMS;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The reason with this {@link #tag()}, {@link #UNKNOWN} for any other text. */
    public static FailureReason ofTag(String tag) {
        for (FailureReason r : values()) {
            if (r.tag().equals(tag)) {
                return r;
            }
        }
        return UNKNOWN;
    }
}
