package io.chute.upload;

import java.util.Locale;

/** The closed set of failure reasons used as the {@code reason} metric tag and in logs. */
public enum FailureReason {
    THROTTLED, SERVER_ERROR, NETWORK, ACCESS_DENIED, NO_SUCH_BUCKET, CREDENTIALS, CLIENT_ERROR,
    INVALID_KEY, VERIFICATION_FAILED, SOURCE_UNREADABLE, SOURCE_CHANGED, UNKNOWN,
    /**
     * Chute's state dir (ledger, receipts, sidecars kept there, default quarantine) or the drop folder holding
     * sidecars beside the files cannot be written: full, read-only, I/O errors, permissions.
     */
    STATE_DIR_UNAVAILABLE,
    /** The store does not implement a header, option or algorithm the request used (501 NotImplemented...). */
    STORE_UNSUPPORTED,
    /** The store refused the signature of one file's request while requests without its headers succeed. */
    SIGNATURE_MISMATCH,
    /** A no-overwrite rule found a different object under the key. */
    CONFLICT,
    /** KMS refused a key operation for SSE-KMS (key disabled, missing, or kms:* permission missing). */
    KMS,
    /**
     * Another source (of this or any rule, present in a watched folder or in flight) maps to the same bucket and
     * key, e.g. one name in Unicode NFC and another in NFD: the later file is quarantined, nothing is overwritten.
     */
    KEY_COLLISION;

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
