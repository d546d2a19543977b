package io.chute.checkpoint;

import io.chute.multipart.CompletedPart;
import io.chute.multipart.MultipartSession;
import io.chute.multipart.PartPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SidecarStoreTest {

    static final byte[] KEY = new byte[32];
    static final SidecarHeader HEADER = new SidecarHeader(1, 20L << 20, 1, "k", "s", "e", "b", "key", "up-1",
            5L << 20, "CRC32C", "t");

    @TempDir
    Path tmp;

    private void journal(SidecarStore store, Path file, int parts) throws Exception {
        try (SidecarStore.Journal j = store.journal(file, s -> HEADER)) {
            j.started(new MultipartSession("b", "key", "up-1", PartPlan.of(20L << 20, 5L << 20, 10_000)));
            for (int n = 1; n <= parts; n++) {
                j.partCompleted(new CompletedPart(n, 5L << 20, "etag-" + n, "crc", "md5"));
            }
        }
    }

    @Test
    void journal_besideTheFile_isOwnerOnlyAndHoldsNoCredentials() throws Exception {
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC());
        Path file = Files.createFile(tmp.resolve("data.bin"));
        journal(store, file, 3);
        Path sidecar = tmp.resolve("data.bin.upload_state");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sidecar))).isEqualTo("rw-------");
        assertThat(store.load(file).orElseThrow().parts()).containsOnlyKeys(1, 2, 3);
        assertThat(Files.readString(sidecar)).doesNotContainIgnoringCase("secret").doesNotContain("AKIA");
    }

    @Test
    void journal_inStateDirMode_mirrorsTheFilePathAndLeavesTheDropFolderUntouched() throws Exception {
        Path dropFolder = Files.createDirectories(tmp.resolve("readonly/in"));
        Path file = Files.createFile(dropFolder.resolve("data.bin"));
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC(), tmp.resolve("state/sidecars"));
        journal(store, file, 2);
        try (var listing = Files.list(dropFolder)) {
            assertThat(listing).containsExactly(file);
        }
        assertThat(store.sidecarOf(file)).startsWith(tmp.resolve("state/sidecars")).exists()
                .hasFileName("data.bin.upload_state");
        assertThat(store.load(file).orElseThrow().parts()).hasSize(2);
    }

    @Test
    void load_removesTempFilesOfAHeaderWriteInterruptedByACrash_onlyWhenTheyAreChutes() throws Exception {
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC());
        Path file = Files.createFile(tmp.resolve("x.bin"));
        Path ours = Files.write(tmp.resolve(".x.bin.upload_state123456.tmp"), new SidecarCodec(KEY).encodeHeader(HEADER));
        Path users = Files.writeString(tmp.resolve(".x.bin.upload_state99.tmp"), "a user's notes");
        assertThat(store.load(file)).isEmpty();
        assertThat(ours).doesNotExist();
        assertThat(users).hasContent("a user's notes");
    }

    @Test
    void lookupWithoutTheSweep_findsCheckpointsAndForeignNamesAlike_butLeavesTempsToTheSweepingLookup() throws Exception {
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC(), null, tmp.resolve("state/displaced"));
        Path journaled = Files.createFile(tmp.resolve("journaled.bin"));
        journal(store, journaled, 2);
        Path occupied = Files.createFile(tmp.resolve("occupied.bin"));
        Files.writeString(store.sidecarOf(occupied), "a user's file under the sidecar's name");
        Path withTemp = Files.createFile(tmp.resolve("with-temp.bin"));
        Path temp = Files.createFile(store.newTempFor(store.sidecarOf(withTemp)));

        assertThat(store.lookup(journaled, false).checkpoint().orElseThrow().parts()).containsOnlyKeys(1, 2);
        assertThat(store.lookup(occupied, false)).isEqualTo(new SidecarStore.Lookup(java.util.Optional.empty(), true));
        assertThat(store.lookup(withTemp, false)).isEqualTo(new SidecarStore.Lookup(java.util.Optional.empty(), false));
        assertThat(temp).as("no listing of the folder without the sweep").exists();

        assertThat(store.lookup(withTemp, true).checkpoint()).isEmpty();
        assertThat(temp).doesNotExist();
        assertThat(store.sidecarOf(occupied)).hasContent("a user's file under the sidecar's name");
    }

    /** The file's name is matched literally (glob syntax in it made the temp-file lookup throw or widen); it journals. */
    @Test
    void load_ofAFileWhoseNameHoldsGlobSyntax_findsOnlyItsOwnTemps() throws Exception {
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC());
        for (String name : new String[] {"a[b.bin", "c{d.bin", "e*.bin", "f?.bin", "g\\h.bin"}) {
            Path file = Files.createFile(tmp.resolve(name));
            Path ours = Files.createFile(store.newTempFor(store.sidecarOf(file)));
            assertThat(store.load(file)).as(name).isEmpty();
            assertThat(ours).as(name).doesNotExist();
        }
        Path other = Files.createFile(tmp.resolve("eX.bin"));
        Path othersTemp = Files.createFile(store.newTempFor(store.sidecarOf(other)));
        assertThat(store.load(tmp.resolve("e*.bin"))).isEmpty();
        assertThat(othersTemp).as("e*.bin is not a pattern for eX.bin's temps").exists();
        for (String name : new String[] {"a[b.bin", "c{d.bin", "e*.bin", "f?.bin", "g\\h.bin"}) {
            journal(store, tmp.resolve(name), 2);
            assertThat(store.load(tmp.resolve(name)).orElseThrow().parts()).as(name).containsOnlyKeys(1, 2);
        }
    }

    /** CrashRecoveryIT caught this one: another thread's crash point halted the JVM right after createFile. */
    @Test
    void load_removesAnEmptyTempFileThatAKillLeftBeforeAByteWasWritten_recognisedByItsSignedName() throws Exception {
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC());
        Path file = Files.createFile(tmp.resolve("x.bin"));
        Path ours = Files.createFile(store.newTempFor(store.sidecarOf(file)));
        byte[] otherKey = new byte[32];
        otherKey[0] = 1;
        Path anotherInstallations = Files.createFile(new SidecarStore(otherKey, Clock.systemUTC())
                .newTempFor(store.sidecarOf(file)));
        Path forged = Files.createFile(tmp.resolve(".x.bin.upload_state.0000abcd.000000000000000000000000.tmp"));
        assertThat(store.load(file)).isEmpty();
        assertThat(ours).doesNotExist();
        assertThat(anotherInstallations).as("its tag does not verify under this key").exists();
        assertThat(forged).exists();
    }

    @Test
    void filesWithoutSource_findsAVanishedFileWhoseOnlyTraceIsAnInterruptedWrite_andItsLoadRemovesIt() throws Exception {
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC());
        Path gone = tmp.resolve("gone.bin");
        Path temp = Files.write(store.newTempFor(store.sidecarOf(gone)), "half a hea".getBytes());
        Path planted = Files.createFile(tmp.resolve(".planted.bin.upload_state.12345678.abcdefabcdefabcdefabcdef.tmp"));
        assertThat(store.filesWithoutSource(tmp, false)).containsExactly(gone);
        assertThat(store.load(gone)).isEmpty();
        assertThat(temp).doesNotExist();
        assertThat(planted).exists();
    }

    /** A name that extends another's ("a" and "a.upload_state.x") must not have its temp files taken for a's. */
    @Test
    void load_neverRemovesTheTempFileOfAnotherFileWhoseNameExtendsThisOne() throws Exception {
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC());
        Path a = Files.createFile(tmp.resolve("a"));
        Path longer = tmp.resolve("a.upload_state.x");
        Path tagged = Files.createFile(store.newTempFor(store.sidecarOf(longer)));
        Path legacyShaped = Files.write(tmp.resolve(".a.upload_state.x.upload_state123.tmp"),
                new SidecarCodec(KEY).encodeHeader(HEADER));
        assertThat(store.load(a)).isEmpty();
        assertThat(tagged).as("being written for a.upload_state.x, perhaps right now").exists();
        assertThat(legacyShaped).exists();
        assertThat(store.filesWithoutSource(tmp, false)).as("its own file is gone").contains(longer);
        assertThat(store.load(longer)).isEmpty();
        assertThat(tagged).doesNotExist();
    }

    @Test
    void aJournal_leavesNoTempFileBehind() throws Exception {
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC());
        Path file = Files.createFile(tmp.resolve("z.bin"));
        journal(store, file, 2);
        try (var listing = Files.list(tmp)) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("z.bin", "z.bin.upload_state");
        }
    }

    @Test
    void moveAsideCorrupt_keepsTheDamagedSidecarForInspection() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
        SidecarStore store = new SidecarStore(KEY, clock);
        Path file = Files.createFile(tmp.resolve("y.bin"));
        journal(store, file, 3);
        String text = Files.readString(store.sidecarOf(file));
        String[] lines = text.split("\n");
        lines[2] = lines[2].substring(0, lines[2].length() - 4) + "0000";
        String damaged = String.join("\n", lines) + "\n";
        Files.writeString(store.sidecarOf(file), damaged);
        assertThatThrownBy(() -> store.load(file)).isInstanceOf(CorruptSidecarException.class);
        Path aside = store.moveAsideCorrupt(file, "test");
        assertThat(aside).hasFileName("y.bin.upload_state.corrupt-20261122T100000Z").hasContent(damaged);
        assertThat(store.sidecarOf(file)).doesNotExist();
        assertThat(store.isOwnArtefact(aside)).as("a set-aside sidecar is still recognised as Chute's").isTrue();
    }

    @Test
    void aFileThatIsNotChutesAtTheSidecarName_isNeverMovedReadOrDeleted_andTheCheckpointIsDisplaced() throws Exception {
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC(), null, tmp.resolve("state/displaced"));
        Path file = Files.createFile(tmp.resolve("notes"));
        Path users = Files.writeString(tmp.resolve("notes.upload_state"), "my notes, not a checkpoint");
        assertThat(store.load(file)).isEmpty();
        assertThat(store.moveAsideCorrupt(file, "test")).isNull();
        assertThat(store.checkpointPathOf(file)).get().asString().startsWith(tmp.resolve("state/displaced").toString());
        journal(store, file, 2);
        assertThat(store.load(file).orElseThrow().parts()).hasSize(2);
        store.delete(file);
        assertThat(store.load(file)).isEmpty();
        assertThat(users).hasContent("my notes, not a checkpoint");
        assertThat(store.isOwnArtefact(users)).isFalse();
        Files.delete(file);
        assertThat(store.filesWithoutSource(tmp, false)).isEmpty();
        assertThat(users).exists();
    }

    @Test
    void withoutADisplacedRoot_aFileWhoseSidecarNameIsTaken_isJournalledNowhere() throws Exception {
        SidecarStore store = new SidecarStore(KEY, Clock.systemUTC());
        Path file = Files.createFile(tmp.resolve("z.bin"));
        Path users = Files.writeString(tmp.resolve("z.bin.upload_state"), "x");
        assertThat(store.checkpointPathOf(file)).isEmpty();
        journal(store, file, 2);
        assertThat(users).hasContent("x");
        assertThat(store.load(file)).isEmpty();
    }
}
