package io.chute.multipart;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.Part;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Pages through ListParts (1,000 per page) into a map by part number. Guards against servers that repeat a
 * marker or never stop: a page whose marker was already seen ends the listing.
 */
final class PartLister {

    private PartLister() {
    }

    static Map<Integer, Part> listAll(S3Client s3, MultipartSession session) {
        Map<Integer, Part> parts = new TreeMap<>();
        Set<Integer> markersSeen = new HashSet<>();
        Integer marker = null;
        while (true) {
            Integer from = marker;
            ListPartsResponse page = s3.listParts(b -> b.bucket(session.bucket()).key(session.key())
                    .uploadId(session.uploadId()).maxParts(1000).partNumberMarker(from));
            page.parts().forEach(p -> parts.put(p.partNumber(), p));
            Integer next = page.nextPartNumberMarker();
            if (!Boolean.TRUE.equals(page.isTruncated()) || next == null || !markersSeen.add(next)
                    || (from != null && next <= from)) {
                return parts;
            }
            marker = next;
        }
    }
}
