package io.chute.multipart;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import io.chute.testing.WireMockS3;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;

import java.time.Duration;
import java.util.Map;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * {@link PartLister} against a scripted S3 ListParts endpoint (WireMock on 127.0.0.1, real AWS SDK v2 client):
 * a well-behaved server paged 1000/1000/500, and hostile servers that repeat a marker, move it backwards, omit
 * it, advance it forever, or report the upload gone. Each page's XML is generated from the part range it serves.
 */
class PartListerWireMockTest {

    private static final String PATH = "/bucket/key";
    private static final String UPLOAD_ID = "upload-1";
    private static final long PART = 5L * 1024 * 1024;
    private static final Duration LIMIT = Duration.ofSeconds(60); // catches an endless loop, not slowness

    private final MultipartSession session =
            new MultipartSession("bucket", "key", UPLOAD_ID, PartPlan.of(2500L * PART, PART, 10_000));
    private WireMockServer server;
    private S3Client s3;

    @BeforeEach
    void start() {
        server = WireMockS3.start();
        s3 = WireMockS3.client(server); // no SDK retries, so the request counts below are PartLister's own
    }

    @AfterEach
    void stop() {
        s3.close();
        server.stop();
    }

    @Test
    void listAll_acrossThreePagesOf2500Parts_returnsEveryPartOnce() {
        stubPage(null, 1, 1000, 1000, true);
        stubPage(1000, 1001, 2000, 2000, true);
        stubPage(2000, 2001, 2500, 2500, false);

        Map<Integer, Part> parts = PartLister.listAll(s3, session);

        assertThat(parts).hasSize(2500);
        assertThat(parts.keySet()).containsExactlyElementsOf(IntStream.rangeClosed(1, 2500).boxed().toList());
        parts.forEach((n, p) -> {
            assertThat(p.partNumber()).isEqualTo(n);
            assertThat(p.size()).isEqualTo(session.plan().lengthOf(n));
            assertThat(p.eTag()).isEqualTo(etag(n));
            assertThat(p.checksumCRC32C()).isEqualTo(crc(n));
        });
        server.verify(3, listPartsRequests());
        server.verify(1, listPartsRequests().withQueryParam("part-number-marker", absent()));
        server.verify(1, listPartsRequests().withQueryParam("part-number-marker", equalTo("1000")));
        server.verify(1, listPartsRequests().withQueryParam("part-number-marker", equalTo("2000")));
    }

    @Test
    void listAll_serverRepeatingTheSameMarker_stopsInsteadOfLoopingForever() {
        stubPage(null, 1, 1000, 1000, true);
        stubPage(1000, 1001, 2000, 1000, true); // asked from 1000, answers "next is 1000" again

        Map<Integer, Part> parts = assertTimeoutPreemptively(LIMIT, () -> PartLister.listAll(s3, session));

        assertThat(parts.keySet()).containsExactlyElementsOf(IntStream.rangeClosed(1, 2000).boxed().toList());
        assertThat(requestCount()).isBetween(2, 3);
    }

    @Test
    void listAll_serverReturningAMarkerThatGoesBackwards_stops() {
        stubPage(null, 1, 1000, 1000, true);
        stubPage(1000, 1001, 2000, 500, true); // asked from 1000, answers "next is 500"
        stubPage(500, 501, 1500, 1500, true);  // would keep a lister that follows it busy
        stubPage(1500, 1501, 2500, 2500, false);

        Map<Integer, Part> parts = assertTimeoutPreemptively(LIMIT, () -> PartLister.listAll(s3, session));

        assertThat(parts.keySet()).containsExactlyElementsOf(IntStream.rangeClosed(1, 2000).boxed().toList());
        server.verify(2, listPartsRequests());
        server.verify(0, listPartsRequests().withQueryParam("part-number-marker", equalTo("500")));
    }

    @Test
    void listAll_truncatedWithoutNextMarker_stops() {
        stubPage(null, 1, 1000, null, true);

        Map<Integer, Part> parts = assertTimeoutPreemptively(LIMIT, () -> PartLister.listAll(s3, session));

        assertThat(parts).hasSize(1000);
        assertThat(parts.keySet()).containsExactlyElementsOf(IntStream.rangeClosed(1, 1000).boxed().toList());
        server.verify(1, listPartsRequests());
    }

    /**
     * A server that always answers "truncated, next = marker + 1000" with fresh part numbers must not be followed
     * past S3's 10,000-part limit (at most 10 full pages, plus one to see the end).
     */
    @Test
    void listAll_serverAdvancingTheMarkerForever_stopsWithinTheS3PartLimit() {
        int endlessPages = 30; // the scripted "endless" server gives up after 30,000 parts
        for (int page = 0; page < endlessPages; page++) {
            int from = page * 1000;
            stubPage(page == 0 ? null : from, from + 1, from + 1000, from + 1000, page < endlessPages - 1);
        }

        Map<Integer, Part> parts = assertTimeoutPreemptively(LIMIT, () -> PartLister.listAll(s3, session));

        assertThat(requestCount()).as("ListParts requests made").isLessThanOrEqualTo(11);
        assertThat(parts.keySet()).allMatch(n -> n >= 1 && n <= 10_000);
    }

    @Test
    void listAll_noSuchUpload_throwsNoSuchUploadException() {
        server.stubFor(listParts().willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/xml")
                .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchUpload</Code>"
                        + "<Message>The specified upload does not exist.</Message><UploadId>" + UPLOAD_ID
                        + "</UploadId><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>")));

        assertThatThrownBy(() -> PartLister.listAll(s3, session))
                .isInstanceOf(NoSuchUploadException.class)
                .satisfies(e -> assertThat(((NoSuchUploadException) e).statusCode()).isEqualTo(404));
        server.verify(1, listPartsRequests());
    }

    // --- scripted server -------------------------------------------------------------------------------------

    private MappingBuilder listParts() {
        return get(urlPathEqualTo(PATH))
                .withQueryParam("uploadId", equalTo(UPLOAD_ID))
                .withQueryParam("max-parts", equalTo("1000"));
    }

    private RequestPatternBuilder listPartsRequests() {
        return getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("uploadId", equalTo(UPLOAD_ID));
    }

    private int requestCount() {
        return server.findAll(listPartsRequests()).size();
    }

    /** Answers the request asked from {@code marker} (null: the first request) with parts first..last. */
    private void stubPage(Integer marker, int first, int last, Integer next, boolean truncated) {
        MappingBuilder request = listParts().withQueryParam("part-number-marker",
                marker == null ? absent() : equalTo(String.valueOf(marker)));
        server.stubFor(request.willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/xml")
                .withBody(listPartsResult(marker == null ? 0 : marker, first, last, next, truncated))));
    }

    private String listPartsResult(int marker, int first, int last, Integer next, boolean truncated) {
        StringBuilder xml = new StringBuilder(200 * (last - first + 2))
                .append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">")
                .append("<Bucket>bucket</Bucket><Key>key</Key><UploadId>").append(UPLOAD_ID).append("</UploadId>")
                .append("<PartNumberMarker>").append(marker).append("</PartNumberMarker>");
        if (next != null) {
            xml.append("<NextPartNumberMarker>").append(next).append("</NextPartNumberMarker>");
        }
        xml.append("<MaxParts>1000</MaxParts><IsTruncated>").append(truncated).append("</IsTruncated>");
        for (int n = first; n <= last; n++) {
            xml.append("<Part><PartNumber>").append(n).append("</PartNumber>")
                    .append("<LastModified>2024-05-01T12:00:00.000Z</LastModified>")
                    .append("<ETag>").append(etag(n).replace("\"", "&quot;")).append("</ETag>")
                    .append("<Size>").append(n <= session.plan().partCount() ? session.plan().lengthOf(n) : PART)
                    .append("</Size><ChecksumCRC32C>").append(crc(n)).append("</ChecksumCRC32C></Part>");
        }
        return xml.append("</ListPartsResult>").toString();
    }

    private static String etag(int partNumber) {
        return "\"" + String.format("%032x", partNumber * 2654435761L) + "\"";
    }

    private static String crc(int partNumber) {
        return java.util.Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(4).putInt(partNumber).array());
    }
}
