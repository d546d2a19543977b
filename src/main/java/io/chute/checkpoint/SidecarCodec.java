package io.chute.checkpoint;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chute.multipart.CompletedPart;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sidecar's line format, version 1. The file starts with the magic line {@value #MAGIC_LINE} (sidecars
 * written before it existed have none and are still read); then each line is {@code <json> <mac>\n}: a JSON
 * record, one space, and the hex HMAC-SHA256 of the JSON bytes under the installation key. Part lines are MACed together with the upload
 * id, so a line cannot be moved into another upload's sidecar. Line 1 is the {@link SidecarHeader}; each
 * further line a {@link PartRecord}. A damaged last line (a write torn by a crash: no newline or bad MAC) is
 * ignored; any other damage makes the whole sidecar corrupt.
 */
public final class SidecarCodec {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    /** First line of every sidecar (and of its temp file): recognises Chute's artefacts before any MAC. */
    public static final String MAGIC_LINE = "chute-sidecar 1";
    private static final byte[] MAGIC = (MAGIC_LINE + "\n").getBytes(StandardCharsets.US_ASCII);
    /** Longest upload id accepted from a sidecar; S3 ids are a few hundred characters at most. */
    static final int MAX_UPLOAD_ID_CHARS = 1024;

    private final byte[] key;

    public SidecarCodec(byte[] key) {
        this.key = key.clone();
    }

    public byte[] encodeHeader(SidecarHeader header) {
        byte[] line = line(write(header), "");
        byte[] out = new byte[MAGIC.length + line.length];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        System.arraycopy(line, 0, out, MAGIC.length, line.length);
        return out;
    }

    /**
     * Whether {@code prefix} (the first bytes of a file, at least its first two lines) starts with a header this
     * installation signed: the magic line (optional for sidecars written before it existed), then a header line
     * whose MAC verifies under the installation key. What verifies is Chute's own artefact; anything else is a
     * user's file, whatever its name.
     */
    public boolean headerVerifies(byte[] prefix) {
        String text = new String(prefix, StandardCharsets.UTF_8);
        text = withoutMagic(text);
        int end = text.indexOf('\n');
        return end > 0 && verified(text.substring(0, end), "") != null;
    }

    private static String withoutMagic(String text) {
        return text.startsWith(MAGIC_LINE + "\n") ? text.substring(MAGIC_LINE.length() + 1) : text;
    }

    public byte[] encodePart(String uploadId, CompletedPart part) {
        PartRecord record = new PartRecord(part.partNumber(), part.sizeInBytes(), part.etag(), part.crc32c(), part.md5());
        return line(write(record), uploadId);
    }

    /** Decodes a whole sidecar. Throws {@link CorruptSidecarException} naming what is wrong. */
    public Checkpoint decode(byte[] content) throws CorruptSidecarException {
        String text = withoutMagic(new String(content, StandardCharsets.UTF_8));
        String[] lines = text.split("\n", -1);
        // A complete file ends with '\n', so the last element is "" unless the tail was torn.
        if (lines.length < 2) {
            throw new CorruptSidecarException(content.length == 0 ? "empty" : "header line is incomplete");
        }
        String headerJson = verified(lines[0], "");
        if (headerJson == null) {
            throw new CorruptSidecarException("header MAC does not match (damaged, or signed by another installation)");
        }
        SidecarHeader header = readHeader(headerJson);
        Map<Integer, CompletedPart> parts = new TreeMap<>();
        int lastComplete = lines.length - 2; // lines[lines.length - 1] is "" or a torn tail, ignored either way
        for (int i = 1; i <= lastComplete; i++) {
            String json = verified(lines[i], header.uploadId());
            if (json == null && i == lastComplete) {
                break; // the newest record was torn by a crash during its write
            }
            if (json == null) {
                throw new CorruptSidecarException("journal line " + (i + 1) + " MAC does not match");
            }
            PartRecord r = read(json, PartRecord.class, "journal line " + (i + 1));
            parts.put(r.part(), new CompletedPart(r.part(), r.size(), r.etag(), r.crc32c(), r.md5()));
        }
        return new Checkpoint(header, parts);
    }

    private SidecarHeader readHeader(String json) throws CorruptSidecarException {
        int version;
        try {
            version = JSON.readTree(json).path("version").asInt(-1);
        } catch (Exception e) {
            throw new CorruptSidecarException("header is not JSON: " + e.getMessage());
        }
        if (version != SidecarHeader.VERSION) {
            throw new CorruptSidecarException("unknown sidecar version " + version + " (this Chute reads version "
                    + SidecarHeader.VERSION + ")");
        }
        SidecarHeader header = read(json, SidecarHeader.class, "header");
        if (header.uploadId() == null || header.bucket() == null || header.key() == null || header.partSize() <= 0) {
            throw new CorruptSidecarException("header lacks uploadId, bucket, key or part size");
        }
        if (!wellFormedUploadId(header.uploadId())) {
            throw new CorruptSidecarException("header has a malformed upload id");
        }
        return header;
    }

    /** Non-blank, bounded, printable ASCII: what S3 implementations hand out, and safe in a request and a log. */
    static boolean wellFormedUploadId(String id) {
        if (id.isBlank() || id.length() > MAX_UPLOAD_ID_CHARS) {
            return false;
        }
        return id.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    private static <T> T read(String json, Class<T> type, String what) throws CorruptSidecarException {
        try {
            return JSON.readValue(json, type);
        } catch (Exception e) {
            throw new CorruptSidecarException(what + " is not a valid record: " + e.getMessage());
        }
    }

    private String verified(String line, String context) {
        int space = line.lastIndexOf(' ');
        if (space < 0) {
            return null;
        }
        String json = line.substring(0, space);
        byte[] expected = mac(json, context);
        byte[] actual;
        try {
            actual = HexFormat.of().parseHex(line.substring(space + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
        return MessageDigest.isEqual(expected, actual) ? json : null;
    }

    /**
     * A short MAC of a file name under the installation key: what lets Chute recognise a temp file of its own by
     * its name alone, even empty or half written by a crash, without trusting a name anyone could choose.
     */
    String nameTag(String name) {
        return HexFormat.of().formatHex(mac(name, "temp-name"), 0, 12);
    }

    private byte[] line(String json, String context) {
        return (json + " " + HexFormat.of().formatHex(mac(json, context)) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] mac(String json, String context) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(context.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '\n');
            return mac.doFinal(json.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK provides HmacSHA256", e);
        }
    }

    private static String write(Object record) {
        try {
            return JSON.writeValueAsString(record);
        } catch (Exception e) {
            throw new IllegalStateException("records always serialize", e);
        }
    }
}
