package io.chute.checkpoint;

import io.chute.faults.CrashPoint;
import io.chute.multipart.CompletedPart;
import io.chute.multipart.MultipartSession;
import io.chute.multipart.UploadJournal;
import io.chute.watch.CandidateFilter;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The only code that reads or writes {@code *.upload_state} sidecars. The header is written once (temp file,
 * fsync, atomic rename, directory fsync); each part is one appended, MACed line followed by fsync, so a
 * checkpoint costs O(1) per part whatever the part count.
 */
public final class SidecarStore {

    private static final Logger LOG = Logger.getLogger(SidecarStore.class);
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final SidecarCodec codec;
    private final Clock clock;
    private final Path mirrorRoot;

    /** Sidecars beside their files. */
    public SidecarStore(byte[] installationKey, Clock clock) {
        this(installationKey, clock, null);
    }

    /**
     * @param mirrorRoot when not null, sidecars live under this folder, mirroring each file's absolute path
     *                   (for read-only drop folders); otherwise beside their files
     */
    public SidecarStore(byte[] installationKey, Clock clock, Path mirrorRoot) {
        this.codec = new SidecarCodec(installationKey);
        this.clock = clock;
        this.mirrorRoot = mirrorRoot == null ? null : mirrorRoot.toAbsolutePath().normalize();
    }

    /** The sidecar of a file: {@code <file>.upload_state} beside it, or its mirror under the state dir. */
    public Path sidecarOf(Path file) {
        String name = file.getFileName() + CandidateFilter.SIDECAR_SUFFIX;
        if (mirrorRoot == null) {
            return file.resolveSibling(name);
        }
        Path abs = file.toAbsolutePath().normalize();
        Path relative = abs.getRoot() == null ? abs : abs.getRoot().relativize(abs);
        return mirrorRoot.resolve(relative.toString()).resolveSibling(name);
    }

    /**
     * Loads a file's sidecar; empty when it has none. Also removes temp files that an atomic sidecar write
     * interrupted by a crash left behind (callers hold the file exclusively, so none is being written now).
     */
    public Optional<Checkpoint> load(Path file) throws IOException {
        removeInterruptedWrites(file);
        try {
            return Optional.of(codec.decode(Files.readAllBytes(sidecarOf(file))));
        } catch (NoSuchFileException none) {
            return Optional.empty();
        }
    }

    private void removeInterruptedWrites(Path file) throws IOException {
        Path sidecar = sidecarOf(file);
        if (!Files.isDirectory(sidecar.getParent())) {
            return;
        }
        String prefix = "." + sidecar.getFileName();
        try (var siblings = Files.newDirectoryStream(sidecar.getParent(), prefix + "*.tmp")) {
            for (Path temp : siblings) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Moves a corrupt sidecar aside as {@code .upload_state.corrupt-<time>} and returns the new path. */
    public Path moveAsideCorrupt(Path file, String why) throws IOException {
        Path sidecar = sidecarOf(file);
        Path aside = sidecar.resolveSibling(sidecar.getFileName() + ".corrupt-" + STAMP.format(clock.instant()));
        Files.move(sidecar, aside);
        LOG.warnf("path=%s sidecar is corrupt (%s); moved aside to %s, the file is uploaded afresh", file, why, aside);
        return aside;
    }

    public void delete(Path file) throws IOException {
        Files.deleteIfExists(sidecarOf(file));
    }

    /**
     * The files under {@code folder} (only directly in it unless {@code recursive}) that have a sidecar but no
     * longer exist: removed by someone while Chute was stopped, or by Chute's own post-action right before a
     * crash that left the sidecar. Nothing will ever upload them, so their sidecars only hold on to an upload.
     */
    public List<Path> filesWithoutSource(Path folder, boolean recursive) throws IOException {
        Path base = folder.toAbsolutePath().normalize();
        Path sidecarDir = sidecarOf(base.resolve("x")).getParent(); // the folder itself, or its mirror
        if (!Files.isDirectory(sidecarDir)) {
            return List.of();
        }
        List<Path> vanished = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(sidecarDir, recursive ? Integer.MAX_VALUE : 1)) {
            for (Path sidecar : (Iterable<Path>) paths::iterator) {
                String name = sidecar.getFileName().toString();
                if (!name.endsWith(CandidateFilter.SIDECAR_SUFFIX) || !Files.isRegularFile(sidecar)) {
                    continue;
                }
                Path relative = sidecarDir.relativize(sidecar.resolveSibling(
                        name.substring(0, name.length() - CandidateFilter.SIDECAR_SUFFIX.length())));
                Path source = base.resolve(relative.toString());
                if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                    vanished.add(source);
                }
            }
        }
        return vanished;
    }

    /**
     * A journal for one multipart upload of {@code file}: {@code started} writes the header built by
     * {@code headerFor}, {@code resumed} rewrites the sidecar with the header and the parts S3 confirmed (which
     * also drops a torn tail that a later append would otherwise glue onto a new line), each part appends a line.
     * Close it when the upload ends, however it ends.
     */
    public Journal journal(Path file, Function<MultipartSession, SidecarHeader> headerFor) {
        return new Journal(file, headerFor);
    }

    /** Appends to one sidecar; thread-safe, parts may complete concurrently. */
    public final class Journal implements UploadJournal, AutoCloseable {
        private final Path file;
        private final Function<MultipartSession, SidecarHeader> headerFor;
        private String uploadId;
        private FileChannel channel;

        private Journal(Path file, Function<MultipartSession, SidecarHeader> headerFor) {
            this.file = file;
            this.headerFor = headerFor;
        }

        @Override
        public synchronized void started(MultipartSession session) throws IOException {
            SidecarHeader header = headerFor.apply(session);
            Durable.writeAtomically(sidecarOf(file), codec.encodeHeader(header), CrashPoint.DURING_HEADER_WRITE::reached);
            uploadId = header.uploadId();
            closeChannel();
        }

        @Override
        public synchronized void resumed(MultipartSession session, Collection<CompletedPart> confirmed)
                throws IOException {
            SidecarHeader header = headerFor.apply(session);
            java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
            content.writeBytes(codec.encodeHeader(header));
            confirmed.forEach(p -> content.writeBytes(codec.encodePart(header.uploadId(), p)));
            closeChannel();
            Durable.writeAtomically(sidecarOf(file), content.toByteArray());
            uploadId = header.uploadId();
        }

        @Override
        public synchronized void partCompleted(CompletedPart part) throws IOException {
            if (channel == null) {
                channel = FileChannel.open(sidecarOf(file), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }
            ByteBuffer line = ByteBuffer.wrap(codec.encodePart(uploadId, part));
            if (CrashPoint.MID_CHECKPOINT.armed()) {
                channel.write(line.slice().limit(line.remaining() / 2));
                channel.force(false);
                CrashPoint.MID_CHECKPOINT.reached();
                line.position(line.remaining() / 2);
            }
            while (line.hasRemaining()) {
                channel.write(line);
            }
            channel.force(false);
        }

        @Override
        public synchronized void close() {
            closeChannel();
        }

        private void closeChannel() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    LOG.debugf("closing sidecar journal of %s: %s", file, e);
                }
                channel = null;
            }
        }
    }
}
