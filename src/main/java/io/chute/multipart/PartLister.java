package io.chute.multipart;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.Part;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Pages through ListParts (1,000 per page) into a map by part number. Guards against hostile or broken
 * servers: a marker that repeats, goes backwards or is missing ends the listing, and so does reaching S3's
 * 10,000-part limit; part numbers outside 1..10,000 are ignored. Memory and request count stay bounded.
 */
final class PartLister {

    private PartLister() {
    }

    static final int MAX_PART_NUMBER = 10_000;
    private static final int MAX_PAGES = MAX_PART_NUMBER / 1000 + 1;

    static Map<Integer, Part> listAll(S3Client s3, MultipartSession session) {
        return listAll(s3, session, null);
    }

    /** As {@link #listAll(S3Client, MultipartSession)}, sending the expected bucket owner when not null. */
    static Map<Integer, Part> listAll(S3Client s3, MultipartSession session, String expectedBucketOwner) {
        Map<Integer, Part> parts = new TreeMap<>();
        Set<Integer> markersSeen = new HashSet<>();
        Integer marker = null;
        for (int page = 1; page <= MAX_PAGES; page++) {
            Integer from = marker;
            ListPartsResponse response = s3.listParts(b -> b.bucket(session.bucket()).key(session.key())
                    .uploadId(session.uploadId()).maxParts(1000).partNumberMarker(from)
                    .expectedBucketOwner(expectedBucketOwner));
            response.parts().stream()
                    .filter(p -> p.partNumber() != null && p.partNumber() >= 1 && p.partNumber() <= MAX_PART_NUMBER)
                    .forEach(p -> parts.put(p.partNumber(), p));
            Integer next = response.nextPartNumberMarker();
            if (!Boolean.TRUE.equals(response.isTruncated()) || next == null || !markersSeen.add(next)
                    || (from != null && next <= from) || next >= MAX_PART_NUMBER) {
                return parts;
            }
            marker = next;
        }
        return parts;
    }
}
