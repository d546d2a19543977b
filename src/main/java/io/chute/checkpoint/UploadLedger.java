package io.chute.checkpoint;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.annotations.RegisterForReflection;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The durable record of the multipart uploads this installation created, {@code <state-dir>/uploads.ledger}:
 * ListMultipartUploads shows no owner, so the orphan janitor aborts only uploads listed here. Append-only JSON
 * lines, each synced: {@code intent} before CreateMultipartUpload (so even a crash right after Create leaves a
 * trace: the bucket, key and time), {@code created} with the upload id, {@code ended} once completed or
 * aborted. {@link #compact} rewrites it with the open entries only. Thread-safe.
 */
public final class UploadLedger {

    private static final Logger LOG = Logger.getLogger(UploadLedger.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One upload as the ledger knows it; {@code uploadId} is null while only the intent is recorded.
     * {@code expires} is set only for an upload handed out as presigned URLs ({@code chute presign multipart}):
     * it has no source file or sidecar, and the janitor leaves it alone until that instant.
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String op, String ref, String at, String endpoint, String bucket, String key,
                        String uploadId, String path, String expires) {

        public Entry(String op, String ref, String at, String endpoint, String bucket, String key, String uploadId,
                     String path) {
            this(op, ref, at, endpoint, bucket, key, uploadId, path, null);
        }

        public Instant time() {
            return Instant.parse(at);
        }

        /** The end of a presigned upload's protection; empty for the uploads of files. */
        public java.util.Optional<Instant> expiry() {
            return java.util.Optional.ofNullable(expires).map(Instant::parse);
        }
    }

    private final Path file;
    private final Clock clock;

    public UploadLedger(Path stateDir, Clock clock) {
        this.file = stateDir.resolve("uploads.ledger");
        this.clock = clock;
    }

    /**
     * Records the intent to create an upload; returns the reference later records use. First writes a probe
     * block to the state dir: an upload is created only when its checkpoints can be written too.
     */
    public synchronized String intent(String endpoint, String bucket, String key, Path source) throws IOException {
        StateDirProbe.check(file.getParent());
        String ref = UUID.randomUUID().toString();
        append(new Entry("intent", ref, clock.instant().toString(), endpoint, bucket, key, null, source.toString()));
        return ref;
    }

    public synchronized void created(String ref, String endpoint, String bucket, String key, String uploadId,
                                     Path source) throws IOException {
        append(new Entry("created", ref, clock.instant().toString(), endpoint, bucket, key, uploadId, source.toString()));
    }

    /**
     * Records an upload created for presigned URLs (no source file, no sidecar): the janitor treats it as this
     * installation's but aborts it only once {@code expires} has passed. Returns its reference.
     */
    public synchronized String presigned(String endpoint, String bucket, String key, String uploadId,
                                         Instant expires) throws IOException {
        StateDirProbe.check(file.getParent());
        String ref = UUID.randomUUID().toString();
        append(new Entry("created", ref, clock.instant().toString(), endpoint, bucket, key, uploadId,
                "presigned:s3://" + bucket + "/" + key, expires.toString()));
        return ref;
    }

    public synchronized void ended(String ref) throws IOException {
        append(new Entry("ended", ref, clock.instant().toString(), null, null, null, null, null));
    }

    /** The state dir the ledger lives in. */
    public Path folder() {
        return file.getParent();
    }

    /** Uploads (or intents) not yet ended, one per reference, in ledger order. */
    public synchronized List<Entry> open() throws IOException {
        Map<String, Entry> open = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return List.of();
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            Entry e;
            try {
                e = JSON.readValue(line, Entry.class);
            } catch (IOException torn) {
                LOG.debugf("ignoring an unreadable ledger line (torn by a crash?): %s", line);
                continue;
            }
            if (e.op().equals("ended")) {
                open.remove(e.ref());
            } else if (e.op().equals("intent") && open.containsKey(e.ref())) {
                continue;
            } else {
                open.put(e.ref(), e);
            }
        }
        return new ArrayList<>(open.values());
    }

    /** Rewrites the ledger atomically with the open entries only, so it does not grow without bound. */
    public synchronized void compact() throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (Entry e : open()) {
            content.writeBytes(line(e));
        }
        try {
            Durable.writeAtomically(file, content.toByteArray());
        } catch (IOException e) {
            throw StateDirUnavailableException.stateDir(file.getParent(), "upload ledger", e);
        }
    }

    private void append(Entry entry) throws IOException {
        try {
            appendLine(entry);
        } catch (IOException e) {
            throw StateDirUnavailableException.stateDir(file.getParent(), "upload ledger", e);
        }
    }

    private void appendLine(Entry entry) throws IOException {
        Files.createDirectories(file.getParent());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer buffer = ByteBuffer.wrap(line(entry));
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(false);
        }
    }

    private static byte[] line(Entry e) throws IOException {
        return (JSON.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
