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
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>
 * A drop folder is untrusted, so a file at a sidecar's name is Chute's only if it proves it: a regular file
 * (links not followed, never a FIFO, device or socket, which are never opened), with one link, at most
 * {@link #MAX_SIDECAR_BYTES}, starting with the magic line and a header signed by the installation key. Anything
 * else there is a user's file: it is never read past its first {@link #HEADER_PROBE_BYTES}, never written,
 * moved or deleted; the file it shadows keeps its checkpoint under the displaced root in the state dir instead
 * (or, without one, is uploaded without a checkpoint), and the log says so once.
 */
public final class SidecarStore {

    private static final Logger LOG = Logger.getLogger(SidecarStore.class);
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /**
     * Upper bound of a sidecar's size. A part line is about 200 bytes ({@code PartRecord} JSON with a quoted
     * 32-hex ETag, CRC32C and MD5 in base64, one space, 64 hex MAC, newline) and an upload has at most 10,000
     * parts, so a full journal is about 2 MB plus a header of a few KiB; 4 MiB leaves room for ETags twice as
     * long. A larger file is not Chute's.
     */
    public static final long MAX_SIDECAR_BYTES = 4L << 20;
    /** How much of a file is read to recognise (or reject) it as Chute's: the magic line and the header line. */
    public static final int HEADER_PROBE_BYTES = 16 * 1024;
    private static final int MAX_REMEMBERED_WARNINGS = 10_000;
    private static final String TEMP_SUFFIX = ".tmp";

    /** What a file at a sidecar's place is. */
    public enum Trust { ABSENT, OURS, FOREIGN }

    /** The verdict on one path, with the reason a foreign file is not Chute's. */
    public record Inspection(Trust trust, String why) {
        static final Inspection ABSENT = new Inspection(Trust.ABSENT, "absent");
        static final Inspection OURS = new Inspection(Trust.OURS, "signed by this installation");
    }

    private final SidecarCodec codec;
    private final Clock clock;
    private final Path mirrorRoot;
    private final Path displacedRoot;
    private final Set<Path> warned = ConcurrentHashMap.newKeySet();

    /** Sidecars beside their files. */
    public SidecarStore(byte[] installationKey, Clock clock) {
        this(installationKey, clock, null);
    }

    /**
     * @param mirrorRoot when not null, sidecars live under this folder, mirroring each file's absolute path
     *                   (for read-only drop folders); otherwise beside their files
     */
    public SidecarStore(byte[] installationKey, Clock clock, Path mirrorRoot) {
        this(installationKey, clock, mirrorRoot, null);
    }

    /**
     * @param displacedRoot when not null, where a file's checkpoint is kept (mirroring its absolute path) while a
     *                      file that is not Chute's occupies its sidecar's name; when null such a file is
     *                      uploaded without a checkpoint
     */
    public SidecarStore(byte[] installationKey, Clock clock, Path mirrorRoot, Path displacedRoot) {
        this.codec = new SidecarCodec(installationKey);
        this.clock = clock;
        this.mirrorRoot = mirrorRoot == null ? null : mirrorRoot.toAbsolutePath().normalize();
        this.displacedRoot = displacedRoot == null ? null : displacedRoot.toAbsolutePath().normalize();
    }

    /** The sidecar's name for a file: {@code <file>.upload_state} beside it, or its mirror under the state dir. */
    public Path sidecarOf(Path file) {
        return mirrored(mirrorRoot, file);
    }

    private static Path mirrored(Path root, Path file) {
        String name = file.getFileName() + CandidateFilter.SIDECAR_SUFFIX;
        if (root == null) {
            return file.resolveSibling(name);
        }
        Path abs = file.toAbsolutePath().normalize();
        Path relative = abs.getRoot() == null ? abs : abs.getRoot().relativize(abs);
        return root.resolve(relative.toString()).resolveSibling(name);
    }

    private Optional<Path> displacedOf(Path file) {
        return displacedRoot == null ? Optional.empty() : Optional.of(mirrored(displacedRoot, file));
    }

    /**
     * Where the file's checkpoint is written: its sidecar's name unless a file that is not Chute's occupies it,
     * then its displaced place; empty when there is none (the file is uploaded without a checkpoint).
     */
    public Optional<Path> checkpointPathOf(Path file) {
        Path primary = sidecarOf(file);
        Inspection inspection = inspect(primary);
        if (inspection.trust() != Trust.FOREIGN) {
            return Optional.of(primary);
        }
        Optional<Path> displaced = displacedOf(file);
        warnOccupied(file, primary, inspection, displaced);
        return displaced;
    }

    /** Whether a file that is not Chute's sits at the file's sidecar name (it is left alone). */
    public boolean sidecarNameOccupied(Path file) {
        return inspect(sidecarOf(file)).trust() == Trust.FOREIGN;
    }

    /**
     * Whether {@code path} is one of Chute's own artefacts signed by this installation (a sidecar, or a sidecar set
     * aside as corrupt); reads at most {@link #HEADER_PROBE_BYTES}. Only names containing the sidecar suffix are
     * read at all, so the cost for other files is one string search.
     */
    public boolean isOwnArtefact(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().contains(CandidateFilter.SIDECAR_SUFFIX)
                && inspect(path).trust() == Trust.OURS;
    }

    /**
     * Judges the file at {@code path} without following links and without ever opening anything but a regular
     * file with one link: absent, Chute's own (magic line and a header this installation signed), or foreign.
     */
    public Inspection inspect(Path path) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException none) {
            return Inspection.ABSENT;
        } catch (IOException e) {
            return foreign("cannot read its attributes (" + e.getMessage() + ")");
        }
        if (attrs.isSymbolicLink()) {
            return foreign("a symbolic link (never followed)");
        }
        if (!attrs.isRegularFile()) {
            return foreign(attrs.isDirectory() ? "a directory" : "not a regular file (FIFO, socket or device; never opened)");
        }
        int links = linkCount(path);
        if (links > 1) {
            return foreign("hard-linked (" + links + " links)");
        }
        if (attrs.size() > MAX_SIDECAR_BYTES) {
            return foreign(attrs.size() + " bytes, more than a sidecar's " + MAX_SIDECAR_BYTES);
        }
        try {
            return codec.headerVerifies(readBounded(path, HEADER_PROBE_BYTES)) ? Inspection.OURS
                    : foreign("no Chute header signed by this installation");
        } catch (IOException e) {
            return foreign("unreadable (" + e.getMessage() + ")");
        }
    }

    private static Inspection foreign(String why) {
        return new Inspection(Trust.FOREIGN, why);
    }

    private static int linkCount(Path path) {
        try {
            return ((Number) Files.getAttribute(path, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue();
        } catch (UnsupportedOperationException | IllegalArgumentException notUnix) {
            return 1; // a file system without link counts has no hard links to fear
        } catch (IOException unreadable) {
            return Integer.MAX_VALUE; // fail closed: a link count that cannot be read is not proof of one link
        }
    }

    /** At most {@code limit} bytes from the start of a regular file; opened without following a link. */
    private static byte[] readBounded(Path path, int limit) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(limit, Math.max(0, ch.size()) + 1));
            while (buffer.hasRemaining() && ch.read(buffer) > 0) {
                // read until the bound or the end
            }
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
    }

    /**
     * Loads a file's checkpoint; empty when it has none. Also removes temp files that an atomic sidecar write
     * interrupted by a crash left behind, only those that verify as Chute's (callers hold the file exclusively,
     * so none is being written now). A file that is not Chute's at the sidecar's name is left alone and the
     * checkpoint is looked up at the displaced place instead.
     *
     * @throws CorruptSidecarException for a sidecar of this installation whose journal is damaged
     */
    public Optional<Checkpoint> load(Path file) throws IOException {
        return lookup(file, true).checkpoint();
    }

    /** What a lookup found: the file's checkpoint, and whether a file that is not Chute's holds its sidecar's name. */
    public record Lookup(Optional<Checkpoint> checkpoint, boolean nameOccupied) {
    }

    /**
     * As {@link #load}, also telling whether the sidecar's name is occupied by a file that is not Chute's (one
     * inspection of it instead of two). {@code sweepTemps}: also remove Chute's leftover temp files of the
     * sidecar, which takes a listing of its folder; a file sent with one PutObject never writes a sidecar, so
     * its caller skips that listing (per file a listing of the whole drop folder): a temp left by a crash while
     * the file was multipart-sized stays until the file is multipart-sized again (hidden, never uploaded).
     */
    public Lookup lookup(Path file, boolean sweepTemps) throws IOException {
        Path primary = sidecarOf(file);
        if (sweepTemps) {
            removeInterruptedWrites(primary);
        }
        Inspection inspection = inspect(primary);
        if (inspection.trust() == Trust.OURS) {
            return new Lookup(Optional.of(decode(primary)), false);
        }
        boolean occupied = inspection.trust() == Trust.FOREIGN;
        if (occupied) {
            warnOccupied(file, primary, inspection, displacedOf(file));
        }
        Optional<Path> displaced = displacedOf(file);
        if (displaced.isEmpty()) {
            return new Lookup(Optional.empty(), occupied);
        }
        boolean folderThere = sweepTemps ? removeInterruptedWrites(displaced.get())
                : isDirectoryNoFollow(displaced.get().getParent());
        if (!folderThere) {
            return new Lookup(Optional.empty(), occupied); // no folder there, so no displaced checkpoint either
        }
        Inspection there = inspect(displaced.get());
        if (there.trust() == Trust.ABSENT) {
            return new Lookup(Optional.empty(), occupied);
        }
        if (there.trust() == Trust.FOREIGN) {
            throw new CorruptSidecarException("displaced checkpoint " + displaced.get() + " is " + there.why());
        }
        return new Lookup(Optional.of(decode(displaced.get())), occupied);
    }

    private Checkpoint decode(Path sidecar) throws IOException {
        byte[] content = readBounded(sidecar, (int) MAX_SIDECAR_BYTES + 1);
        if (content.length > MAX_SIDECAR_BYTES) {
            throw new CorruptSidecarException("sidecar grew beyond " + MAX_SIDECAR_BYTES + " bytes");
        }
        return codec.decode(content);
    }

    private void warnOccupied(Path file, Path primary, Inspection inspection, Optional<Path> displaced) {
        if (warned.size() > MAX_REMEMBERED_WARNINGS) {
            warned.clear();
        }
        if (warned.add(file.toAbsolutePath())) {
            LOG.warnf("path=%s its sidecar name %s is taken by a file that is not Chute's (%s); that file is left"
                            + " untouched and %s", file, primary, inspection.why(),
                    displaced.map(d -> "the checkpoint is kept in " + d).orElse("the file is uploaded without a checkpoint"));
        }
    }

    /**
     * Whether {@code dir} is a directory itself (not a link to one). {@code java.io.File} answers "nothing there"
     * without an exception (NIO's stat on Java 17 throws a NoSuchFileException with a stack trace, once per file
     * for a displaced folder that does not exist); a link to a directory passes that test and is refused by the
     * no-follow one.
     */
    private static boolean isDirectoryNoFollow(Path dir) {
        return dir != null && dir.toFile().isDirectory() && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS);
    }

    /** Removes Chute's own leftover temp files of {@code sidecar}; false when its folder is not a directory. */
    private boolean removeInterruptedWrites(Path sidecar) throws IOException {
        Path dir = sidecar.getParent();
        if (!isDirectoryNoFollow(dir)) {
            return false;
        }
        // A plain name filter, not a glob: the name comes from the drop folder, and glob syntax in it ("[", "{")
        // either failed the pattern (a file named "a[b" could never be loaded, so never uploaded) or widened it.
        String prefix = "." + sidecar.getFileName();
        DirectoryStream.Filter<Path> temps = p -> {
            String name = p.getFileName().toString();
            return name.length() >= prefix.length() + TEMP_SUFFIX.length() && name.startsWith(prefix)
                    && name.endsWith(TEMP_SUFFIX);
        };
        try (var siblings = Files.newDirectoryStream(dir, temps)) {
            for (Path temp : siblings) {
                if (isOwnTemp(temp, sidecar) || (isLegacyTemp(temp, sidecar) && inspect(temp).trust() == Trust.OURS)) {
                    Files.deleteIfExists(temp);
                } else {
                    LOG.debugf("%s looks like an interrupted sidecar write but is not Chute's; left alone", temp);
                }
            }
        }
        return true;
    }

    /**
     * The temp file an atomic write of {@code sidecar} goes through: {@code .<sidecar>.<nonce>.<tag>.tmp}, the tag
     * a MAC of the sidecar's name and the nonce under the installation key. A kill at any instant of the write
     * (even before a byte is in it, as when another thread's crash halts the JVM) leaves a temp file that
     * {@link #isOwnTemp} recognises by its name, so the next load removes it; one whose tag does not verify is
     * someone else's file and is left alone.
     */
    Path newTempFor(Path sidecar) {
        String nonce = String.format("%08x", java.util.concurrent.ThreadLocalRandom.current().nextInt());
        String name = sidecar.getFileName().toString();
        return sidecar.resolveSibling("." + name + "." + nonce + "." + codec.nameTag(name + "." + nonce) + ".tmp");
    }

    private boolean isOwnTemp(Path temp, Path sidecar) {
        String name = sidecar.getFileName().toString();
        String candidate = temp.getFileName().toString();
        String prefix = "." + name + ".";
        if (!candidate.startsWith(prefix) || !candidate.endsWith(".tmp")) {
            return false;
        }
        String[] nonceAndTag = candidate.substring(prefix.length(), candidate.length() - ".tmp".length()).split("\\.");
        return nonceAndTag.length == 2
                && codec.nameTag(name + "." + nonceAndTag[0]).equals(nonceAndTag[1])
                && Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * A temp file of the form writes used before the tag ({@code .<sidecar><digits>.tmp}); only its content can
     * prove it Chute's. The exact shape matters: the prefix alone also matches the temp files of another file
     * whose name extends this one ({@code a} and {@code a.upload_state.x}), which may be being written right now.
     */
    private static boolean isLegacyTemp(Path temp, Path sidecar) {
        String candidate = temp.getFileName().toString();
        String prefix = "." + sidecar.getFileName();
        return candidate.startsWith(prefix) && candidate.endsWith(TEMP_SUFFIX)
                && candidate.length() > prefix.length() + TEMP_SUFFIX.length()
                && candidate.substring(prefix.length(), candidate.length() - TEMP_SUFFIX.length()).chars()
                .allMatch(c -> c >= '0' && c <= '9');
    }

    /** The sidecar name whose write {@code path} is an interrupted temp file of (Chute's own, by its tag). */
    private Optional<String> interruptedWriteOf(Path path) {
        String name = path.getFileName().toString();
        int end = name.lastIndexOf(CandidateFilter.SIDECAR_SUFFIX + "."); // the file's own name may hold the suffix
        if (!name.startsWith(".") || !name.endsWith(".tmp") || end < 0) {
            return Optional.empty();
        }
        String sidecarName = name.substring(1, end + CandidateFilter.SIDECAR_SUFFIX.length());
        return isOwnTemp(path, path.resolveSibling(sidecarName)) ? Optional.of(sidecarName) : Optional.empty();
    }

    /** Writes a sidecar whole (temp file, fsync, rename) through a temp file recognisable as Chute's. */
    private void writeWhole(Path sidecar, byte[] content, Runnable beforeRename) throws IOException {
        Durable.writeAtomicallyVia(newTempFor(sidecar), sidecar, content, beforeRename);
    }

    /**
     * Moves a corrupt sidecar of this installation aside as {@code .upload_state.corrupt-<time>} and returns the
     * new path; null when there is none of Chute's to move (a file that is not Chute's is never moved).
     */
    public Path moveAsideCorrupt(Path file, String why) throws IOException {
        Path sidecar = sidecarOf(file);
        if (inspect(sidecar).trust() != Trust.OURS) {
            Optional<Path> displaced = displacedOf(file);
            if (displaced.isEmpty() || !Files.exists(displaced.get(), LinkOption.NOFOLLOW_LINKS)) {
                LOG.warnf("path=%s checkpoint is unusable (%s); the file is uploaded afresh", file, why);
                return null;
            }
            sidecar = displaced.get();
        }
        Path aside = sidecar.resolveSibling(sidecar.getFileName() + ".corrupt-" + STAMP.format(clock.instant()));
        Files.move(sidecar, aside, LinkOption.NOFOLLOW_LINKS);
        LOG.warnf("path=%s sidecar is corrupt (%s); moved aside to %s, the file is uploaded afresh", file, why, aside);
        return aside;
    }

    /** Removes the file's checkpoint: its displaced copy, and its sidecar only if that is Chute's. */
    public void delete(Path file) throws IOException {
        Optional<Path> displaced = displacedOf(file);
        if (displaced.isPresent()) {
            Files.deleteIfExists(displaced.get());
        }
        Path sidecar = sidecarOf(file);
        // java.io.File's "nothing there" (absent, a dangling link, unreadable) is never one of Chute's sidecars,
        // and comes without the NoSuchFileException that inspecting an absent name costs (once per small file)
        if (sidecar.toFile().exists() && inspect(sidecar).trust() == Trust.OURS) {
            Files.deleteIfExists(sidecar);
        }
    }

    /**
     * The files under {@code folder} (only directly in it unless {@code recursive}) that have a sidecar of this
     * installation (beside them, or displaced), or the temp file of an interrupted sidecar write, but no longer
     * exist: removed by someone while Chute was stopped, or by Chute's own post-action right before a crash that
     * left the sidecar. Nothing will ever upload them,
     * so their sidecars only hold on to an upload. A file that merely has a sidecar's name is not one.
     */
    public List<Path> filesWithoutSource(Path folder, boolean recursive) throws IOException {
        Path base = folder.toAbsolutePath().normalize();
        List<Path> vanished = new ArrayList<>();
        collectVanished(base, sidecarOf(base.resolve("x")).getParent(), recursive, vanished);
        Optional<Path> displaced = displacedOf(base.resolve("x"));
        if (displaced.isPresent()) {
            collectVanished(base, displaced.get().getParent(), recursive, vanished);
        }
        return vanished.stream().distinct().toList();
    }

    private void collectVanished(Path base, Path sidecarDir, boolean recursive, List<Path> vanished)
            throws IOException {
        if (!Files.isDirectory(sidecarDir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(sidecarDir, recursive ? Integer.MAX_VALUE : 1)) {
            for (Path sidecar : (Iterable<Path>) paths::iterator) {
                String name = sidecar.getFileName().toString();
                Optional<String> tempOf = interruptedWriteOf(sidecar);
                if (tempOf.isPresent()) {
                    name = tempOf.get(); // the next load of its file (forgetVanished's) removes it
                } else if (!name.endsWith(CandidateFilter.SIDECAR_SUFFIX) || inspect(sidecar).trust() != Trust.OURS) {
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
        /** Where this upload's checkpoint goes; null: no place for one (the file is uploaded without it). */
        private final Path target;
        private String uploadId;
        private FileChannel channel;

        private Journal(Path file, Function<MultipartSession, SidecarHeader> headerFor) {
            this.file = file;
            this.headerFor = headerFor;
            this.target = checkpointPathOf(file).orElse(null);
        }

        /** Where this journal writes, if anywhere. */
        public Optional<Path> target() {
            return Optional.ofNullable(target);
        }

        /** A stale displaced checkpoint must not outlive a new one written at the sidecar's own name. */
        private void dropStaleDisplaced() throws IOException {
            Optional<Path> displaced = displacedOf(file);
            if (displaced.isPresent() && !displaced.get().equals(target)) {
                Files.deleteIfExists(displaced.get());
            }
        }

        @Override
        public synchronized void started(MultipartSession session) throws IOException {
            SidecarHeader header = headerFor.apply(session);
            uploadId = header.uploadId();
            closeChannel();
            if (target == null) {
                return;
            }
            dropStaleDisplaced();
            writeWhole(target, codec.encodeHeader(header), CrashPoint.DURING_HEADER_WRITE::reached);
        }

        @Override
        public synchronized void resumed(MultipartSession session, Collection<CompletedPart> confirmed)
                throws IOException {
            SidecarHeader header = headerFor.apply(session);
            java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
            content.writeBytes(codec.encodeHeader(header));
            confirmed.forEach(p -> content.writeBytes(codec.encodePart(header.uploadId(), p)));
            closeChannel();
            uploadId = header.uploadId();
            if (target == null) {
                return;
            }
            dropStaleDisplaced();
            writeWhole(target, content.toByteArray(), () -> { });
        }

        @Override
        public synchronized void partCompleted(CompletedPart part) throws IOException {
            if (target == null) {
                return;
            }
            if (channel == null) {
                channel = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                        LinkOption.NOFOLLOW_LINKS);
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
