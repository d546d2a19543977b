package io.chute.stability;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rule's folder as a boundary, with real files and real symbolic links: a directory replaced by a link to an
 * outside folder, a file replaced by another one (new inode), a followed link re-targeted outside — each is
 * refused with its reason, and the outside file is neither read, moved nor deleted.
 */
class SourceFolderTest {

    @TempDir
    Path tmp;
    Path drop;
    Path outside;

    @BeforeEach
    void folders() throws Exception {
        drop = Files.createDirectories(tmp.resolve("drop"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("a.txt"), "outside secret");
    }

    private static String read(FileChannel channel) throws java.io.IOException {
        ByteBuffer buffer = ByteBuffer.allocate(100);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    /** Replaces drop/sub by a symbolic link to the outside folder (the inside file moves aside). */
    private void swapSubForLink() throws Exception {
        Files.move(drop.resolve("sub"), drop.resolve("sub.orig"));
        Files.createSymbolicLink(drop.resolve("sub"), outside);
    }

    @Test
    void open_readsTheInsideFile_whenNothingChanged() throws Exception {
        Path file = Files.writeString(Files.createDirectories(drop.resolve("sub")).resolve("a.txt"), "inside");
        SourceFolder folder = new SourceFolder(drop, false);
        FileIdentity key = FileIdentity.of(file);

        try (FileChannel channel = folder.open(file, key)) {
            assertThat(read(channel)).isEqualTo("inside");
        }
        assertThat(folder.identity(file)).isEqualTo(FileIdentity.of(file));
    }

    @Test
    void open_refusesOutsideRoot_whenASubFolderBecameALinkToAnOutsideFolder() throws Exception {
        Path file = Files.writeString(Files.createDirectories(drop.resolve("sub")).resolve("a.txt"), "inside");
        SourceFolder folder = new SourceFolder(drop, false);
        FileIdentity key = FileIdentity.of(file);
        swapSubForLink();

        assertThatThrownBy(() -> folder.open(file, key)).isInstanceOfSatisfying(SourceFolder.RefusedException.class,
                e -> assertThat(e.reason()).isEqualTo(SourceFolder.Refusal.OUTSIDE_ROOT));
        assertThatThrownBy(() -> folder.identity(file)).isInstanceOf(SourceFolder.RefusedException.class);
        // even with no identity to compare (the key that came with the outside file), nothing is followed
        FileIdentity outsideKey = FileIdentity.of(outside.resolve("a.txt"));
        assertThatThrownBy(() -> folder.open(file, outsideKey)).isInstanceOf(SourceFolder.RefusedException.class);
    }

    @Test
    void read_givesTheReaderTheInsideFile_andReturnsWhatItRead() throws Exception {
        Path file = Files.writeString(Files.createDirectories(drop.resolve("sub")).resolve("a.txt"), "inside");
        SourceFolder folder = new SourceFolder(drop, false);

        assertThat(folder.read(file, FileIdentity.of(file), SourceFolderTest::read)).isEqualTo("inside");
    }

    @Test
    void read_refusesIdentityChanged_whenTheFileIsWrittenWhileItIsRead() throws Exception {
        Path file = Files.writeString(drop.resolve("a.txt"), "first version");
        FileIdentity key = FileIdentity.of(file);
        SourceFolder folder = new SourceFolder(drop, false);

        assertThatThrownBy(() -> folder.read(file, key, channel -> {
            String seen = read(channel);
            Files.writeString(file, "a longer second version"); // the writer was not done after all
            return seen;
        })).isInstanceOfSatisfying(SourceFolder.RefusedException.class,
                e -> assertThat(e.reason()).isEqualTo(SourceFolder.Refusal.IDENTITY_CHANGED));
    }

    @Test
    void read_refusesBeforeTheReaderRuns_whenTheNameHoldsAnotherFileOrASubFolderBecameALink() throws Exception {
        Path file = Files.writeString(Files.createDirectories(drop.resolve("sub")).resolve("a.txt"), "inside");
        FileIdentity key = FileIdentity.of(file);
        SourceFolder folder = new SourceFolder(drop, false);
        java.util.concurrent.atomic.AtomicInteger readerRuns = new java.util.concurrent.atomic.AtomicInteger();
        SourceFolder.ChannelReader<String> reader = channel -> {
            readerRuns.incrementAndGet();
            return read(channel);
        };
        Files.move(Files.writeString(drop.resolve("sub").resolve("b.tmp"), "replacement"), file,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThatThrownBy(() -> folder.read(file, key, reader)).isInstanceOfSatisfying(
                SourceFolder.RefusedException.class,
                e -> assertThat(e.reason()).isEqualTo(SourceFolder.Refusal.IDENTITY_CHANGED));
        swapSubForLink();
        assertThatThrownBy(() -> folder.read(file, FileIdentity.of(outside.resolve("a.txt")), reader))
                .isInstanceOfSatisfying(SourceFolder.RefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(SourceFolder.Refusal.OUTSIDE_ROOT));
        assertThat(readerRuns).hasValue(0);
    }

    @Test
    void deleteAndMove_refuseOutsideRoot_andTheOutsideFileStaysAsItWas() throws Exception {
        Path file = Files.writeString(Files.createDirectories(drop.resolve("sub")).resolve("a.txt"), "inside");
        SourceFolder folder = new SourceFolder(drop, false);
        swapSubForLink();
        Path archive = Files.createDirectories(tmp.resolve("archive"));

        assertThatThrownBy(() -> folder.delete(file, null)).isInstanceOfSatisfying(SourceFolder.RefusedException.class,
                e -> assertThat(e.reason()).isEqualTo(SourceFolder.Refusal.OUTSIDE_ROOT));
        assertThatThrownBy(() -> folder.moveTo(file, null, archive.resolve("a.txt")))
                .isInstanceOf(SourceFolder.RefusedException.class);
        assertThatThrownBy(() -> folder.deleteCompanion(drop.resolve("sub").resolve("a.txt")))
                .isInstanceOf(SourceFolder.RefusedException.class);

        assertThat(outside.resolve("a.txt")).hasContent("outside secret");
        assertThat(archive.resolve("a.txt")).doesNotExist();
        assertThat(drop.resolve("sub.orig").resolve("a.txt")).hasContent("inside");
    }

    @Test
    void delete_refusesIdentityChanged_whenTheNameNowHoldsAnotherFile() throws Exception {
        Path file = Files.writeString(drop.resolve("a.txt"), "first");
        FileIdentity key = FileIdentity.of(file);
        Path replacement = Files.writeString(drop.resolve("new.tmp"), "second");
        Files.move(replacement, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        SourceFolder folder = new SourceFolder(drop, false);

        assertThatThrownBy(() -> folder.delete(file, key)).isInstanceOfSatisfying(SourceFolder.RefusedException.class,
                e -> assertThat(e.reason()).isEqualTo(SourceFolder.Refusal.IDENTITY_CHANGED));
        assertThatThrownBy(() -> folder.open(file, key)).isInstanceOf(SourceFolder.RefusedException.class);
        assertThat(file).hasContent("second");

        assertThat(folder.delete(file, FileIdentity.of(file))).isTrue();
        assertThat(file).doesNotExist();
        assertThat(folder.delete(file, null)).as("already gone").isFalse();
    }

    @Test
    void followInsideRoot_reResolvesTheLinkAtOpen_andRefusesATargetMovedOutside() throws Exception {
        Path real = Files.writeString(drop.resolve("real.txt"), "inside");
        Path link = Files.createSymbolicLink(drop.resolve("link.txt"), real);
        SourceFolder follow = new SourceFolder(drop, true);
        FileIdentity key = FileIdentity.of(link);
        try (FileChannel channel = follow.open(link, key)) {
            assertThat(read(channel)).isEqualTo("inside");
        }
        assertThatThrownBy(() -> new SourceFolder(drop, false).open(link, key))
                .as("skip: a link is never followed").isInstanceOf(SourceFolder.RefusedException.class);

        Files.delete(link);
        Files.createSymbolicLink(link, outside.resolve("a.txt"));

        assertThatThrownBy(() -> follow.open(link, key)).isInstanceOfSatisfying(SourceFolder.RefusedException.class,
                e -> assertThat(e.reason()).isEqualTo(SourceFolder.Refusal.OUTSIDE_ROOT));
        assertThatThrownBy(() -> follow.open(link, null)).isInstanceOf(SourceFolder.RefusedException.class);
        assertThatThrownBy(() -> follow.delete(link, null)).isInstanceOf(SourceFolder.RefusedException.class);
        assertThat(outside.resolve("a.txt")).hasContent("outside secret");
        assertThat(link).isSymbolicLink();
    }

    @Test
    void moveTo_renamesThroughTheFolder_whenTheFileIsStillTheSame() throws Exception {
        Path file = Files.writeString(Files.createDirectories(drop.resolve("sub")).resolve("a.txt"), "inside");
        Path archive = Files.createDirectories(tmp.resolve("archive"));
        new SourceFolder(drop, false).moveTo(file, FileIdentity.of(file), archive.resolve("a.txt"));

        assertThat(file).doesNotExist();
        assertThat(archive.resolve("a.txt")).hasContent("inside");
    }

    @Test
    void theRootItselfMayBeALink_itIsResolvedOnce() throws Exception {
        Path file = Files.writeString(drop.resolve("a.txt"), "inside");
        Path viaLink = Files.createSymbolicLink(tmp.resolve("drop-link"), drop);
        SourceFolder folder = new SourceFolder(viaLink, false);

        try (FileChannel channel = folder.open(viaLink.resolve("a.txt"), FileIdentity.of(file))) {
            assertThat(read(channel)).isEqualTo("inside");
        }
        assertThatThrownBy(() -> folder.open(outside.resolve("a.txt"), null))
                .isInstanceOf(SourceFolder.RefusedException.class);
    }

    @Test
    void moveTo_anotherFileSystem_copiesTheOpenedFileAndUnlinksIt() throws Exception {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(tmp)), "no second file system at /dev/shm");
        Path file = Files.writeString(drop.resolve("far.txt"), "inside");
        Path archive = Files.createTempDirectory(shm, "chute-archive");
        try {
            new SourceFolder(drop, false).moveTo(file, FileIdentity.of(file), archive.resolve("far.txt"));

            assertThat(file).doesNotExist();
            assertThat(archive.resolve("far.txt")).hasContent("inside");
        } finally {
            Files.deleteIfExists(archive.resolve("far.txt"));
            Files.delete(archive);
        }
    }
}
