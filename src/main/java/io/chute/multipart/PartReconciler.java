package io.chute.multipart;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Part;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Decides, when a checkpointed multipart upload is continued, which of the parts S3 lists need not be sent
 * again. A listed part is kept when it has the size the plan gives its number and either
 * <ul>
 *   <li>the checkpoint journaled it with the same ETag (and the same CRC32C where S3 lists one); when the
 *       object will be verified by MD5 and the checkpoint holds no MD5 for the part (a sidecar written before MD5s
 *       were journaled), the part's MD5 is computed from the file now and must equal a plain-MD5 ETag, or</li>
 *   <li>S3 lists a CRC32C for it that equals the CRC32C of the file's bytes at that range, computed now. S3
 *       lists each part's CRC32C when the upload was created with the CRC32C algorithm, as Chute's are, and
 *       checked it against the bytes it stored when the part arrived; so a part stored in the instant before a
 *       crash, whose acknowledgement never reached the checkpoint, is proven by its own checksum.</li>
 * </ul>
 * Everything else S3 holds or the checkpoint names is sent again and counted: a listed part that fails both
 * checks, and a journaled part S3 no longer lists.
 */
final class PartReconciler {

    /** The parts kept ({@code trusted}, by number), how many of them only the CRC32C check proved, and the bytes to send again. */
    record Result(SortedMap<Integer, CompletedPart> trusted, int provenByChecksum, long resentBytes) {
    }

    private PartReconciler() {
    }

    static Result reconcile(S3Client s3, FileChannel channel, MultipartSession session,
                            Map<Integer, CompletedPart> journaled, String expectedBucketOwner, boolean withMd5)
            throws IOException {
        Map<Integer, Part> listed = PartLister.listAll(s3, session, expectedBucketOwner);
        SortedMap<Integer, CompletedPart> trusted = new TreeMap<>();
        int provenByChecksum = 0;
        long resent = 0;
        for (Part part : listed.values()) {
            CompletedPart kept = withMd5(channel, session, journaledMatch(session, journaled.get(part.partNumber()), part),
                    withMd5);
            if (kept == null) {
                kept = provenByItsChecksum(channel, session, part, withMd5);
                provenByChecksum += kept == null ? 0 : 1;
            }
            if (kept != null) {
                trusted.put(part.partNumber(), kept);
            } else {
                resent += part.size() == null ? 0 : part.size();
            }
        }
        for (CompletedPart mine : journaled.values()) {
            if (!listed.containsKey(mine.partNumber())) {
                resent += mine.sizeInBytes();
            }
        }
        return new Result(trusted, provenByChecksum, resent);
    }

    /** The journaled part when S3 lists it with the same size, ETag and (where listed) CRC32C. */
    private static CompletedPart journaledMatch(MultipartSession session, CompletedPart mine, Part part) {
        boolean agrees = mine != null && fitsPlan(session, part)
                && mine.sizeInBytes() == part.size()
                && mine.etag().equals(ObjectVerifier.unquote(part.eTag()))
                && (part.checksumCRC32C() == null || part.checksumCRC32C().equals(mine.crc32c()));
        return agrees ? mine : null;
    }

    /**
     * A kept part as the MD5 verification needs it: with its MD5, computed from the file when the checkpoint has
     * none; null (send it again) when the ETag is a plain MD5 that the file's bytes do not give.
     */
    private static CompletedPart withMd5(FileChannel channel, MultipartSession session, CompletedPart kept,
                                         boolean withMd5) throws IOException {
        if (kept == null || !withMd5 || kept.md5() != null) {
            return kept;
        }
        int n = kept.partNumber();
        PartDigest digest = PartDigest.of(channel, session.plan().offsetOf(n), session.plan().lengthOf(n), true);
        boolean plainMd5Etag = kept.etag().matches("[0-9a-fA-F]{32}");
        if (plainMd5Etag && !kept.etag().equalsIgnoreCase(digest.md5Hex())) {
            return null;
        }
        return new CompletedPart(n, kept.sizeInBytes(), kept.etag(), kept.crc32c(), digest.md5Base64());
    }

    /** The listed part, when S3 lists a CRC32C for it that equals the file's bytes at its range. */
    private static CompletedPart provenByItsChecksum(FileChannel channel, MultipartSession session, Part part,
                                                    boolean withMd5) throws IOException {
        if (part.checksumCRC32C() == null || part.eTag() == null || !fitsPlan(session, part)) {
            return null;
        }
        int n = part.partNumber();
        PartDigest digest = PartDigest.of(channel, session.plan().offsetOf(n), session.plan().lengthOf(n), withMd5);
        if (!digest.crc32cBase64().equals(part.checksumCRC32C())) {
            return null;
        }
        return new CompletedPart(n, part.size(), ObjectVerifier.unquote(part.eTag()), digest.crc32cBase64(),
                digest.md5Base64());
    }

    private static boolean fitsPlan(MultipartSession session, Part part) {
        return part.partNumber() <= session.plan().partCount() && part.size() != null
                && part.size() == session.plan().lengthOf(part.partNumber());
    }
}
