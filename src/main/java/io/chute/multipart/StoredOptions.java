package io.chute.multipart;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a store reports it kept of one object's options, read back after the write. Each part is empty when it was
 * not read: not asked for, or the read was refused ({@code unread} then says which request and its answer).
 *
 * @param head        what HeadObject reports
 * @param tags        the object's tags (GetObjectTagging), read only for options with tags
 * @param groupGrants the object's grants to the predefined groups, as {@code AllUsers:READ} (GetObjectAcl), read
 *                    only for a canned ACL whose effect is such a grant ({@link #groupGrantsOf})
 * @param unread      the reads the store refused, e.g. {@code GetObjectAcl: 403 AccessDenied}
 */
public record StoredOptions(Optional<Head> head, Optional<Map<String, String>> tags, Optional<Set<String>> groupGrants,
                            List<String> unread) {

    /**
     * What HeadObject reports.
     *
     * @param storageClass the storage class; {@code STANDARD} where the header is absent (HeadObject omits it for
     *                     STANDARD)
     * @param sse          the SSE algorithm, or null when the object is stored without SSE
     * @param kmsKeyId     the KMS key reported for {@code aws:kms} (AWS reports the key's ARN), or null
     * @param metadata     user metadata by lower-case name, values decoded from RFC 2047 encoded words
     */
    public record Head(String storageClass, String sse, String kmsKeyId, Map<String, String> metadata) {
    }

    /**
     * The group grants a canned ACL gives, as GetObjectAcl reports them; empty for ACLs whose effect is no group
     * grant (private, bucket-owner-*, aws-exec-read), which GetObjectAcl cannot tell from the default.
     */
    public static Set<String> groupGrantsOf(String cannedAcl) {
        if (cannedAcl == null) {
            return Set.of();
        }
        return switch (cannedAcl) {
            case "public-read" -> Set.of("AllUsers:READ");
            case "public-read-write" -> Set.of("AllUsers:READ", "AllUsers:WRITE");
            case "authenticated-read" -> Set.of("AuthenticatedUsers:READ");
            default -> Set.of();
        };
    }
}
