package io.chute.upload;

import io.chute.checkpoint.InstallationKey;
import io.chute.checkpoint.SidecarStore;
import io.chute.checkpoint.UploadLedger;
import io.chute.completion.Completion;
import io.chute.completion.ReceiptStore;
import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.config.ChuteConfig.Symlinks;
import io.chute.config.DropRule;
import io.chute.multipart.ObjectUploader;
import io.chute.multipart.TransferListener;
import io.chute.stability.FileIdentity;
import io.chute.stability.SourceFolder;
import io.chute.stability.StableFile;
import io.chute.testing.S3Server;
import io.chute.testing.S3ServerProcess;
import io.chute.testing.SharedS3Servers;
import io.chute.testing.TestRules;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.text.Normalizer;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A drop folder as untrusted input, one upload attempt at a time against a real S3 server (S3Mock), with real
 * files and real symbolic links: nothing outside the rule's folder is read, uploaded or deleted, a file replaced
 * after its upload is kept, and two sources never end as one object (NFC and NFD twins, two rules on one key,
 * names that are not valid UTF-8).
 */
class HostileSourcesTest {

    static final String BUCKET = SharedS3Servers.uniqueBucketName("hostile");
    static S3Server server;
    static S3Client s3;

    @TempDir
    Path tmp;
    Path inbox;
    Path outside;
    ExecutorService parts;
    SidecarStore sidecars;
    Completion completion;
    FileUploader uploader;
    /** Run once when the engine announces its plan for a file (the file is open, nothing sent yet). */
    final AtomicReference<Runnable> onPlanned = new AtomicReference<>();
    String prefix;

    @BeforeAll
    static void startServer() {
        server = SharedS3Servers.get(S3ServerProcess.Kind.S3MOCK);
        server.createBucket(BUCKET);
        s3 = server.newClient();
    }

    @AfterAll
    static void stopServer() {
        s3.close();
        server.close();
    }

    @BeforeEach
    void wire() throws Exception {
        inbox = Files.createDirectories(tmp.resolve("inbox"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Path state = tmp.resolve("state");
        Clock clock = Clock.systemUTC();
        sidecars = new SidecarStore(InstallationKey.loadOrCreate(state), clock);
        parts = Executors.newFixedThreadPool(2);
        ObjectUploader engine = new ObjectUploader(s3, parts, 5 << 20, 5 << 20, 10_000, true, new TransferListener() {
            @Override
            public void planned(Plan plan) {
                Runnable r = onPlanned.getAndSet(null);
                if (r != null) {
                    r.run();
                }
            }
        });
        completion = new Completion(new ReceiptStore(state), sidecars, state, clock);
        uploader = new FileUploader(engine, sidecars, new UploadLedger(state, clock), completion,
                server.endpoint().toString(), clock);
        prefix = "t" + System.nanoTime() + "/";
    }

    @AfterEach
    void stop() {
        parts.shutdownNow();
    }

    private DropRule rule(Path folder, AfterUpload after, Symlinks symlinks) {
        TestRules t = TestRules.in(folder);
        t.bucket = BUCKET;
        t.prefix = prefix;
        t.afterUpload = after;
        t.symlinks = symlinks;
        t.name = folder.getFileName().toString();
        return t.build();
    }

    private static StableFile stable(DropRule rule, Path file) throws Exception {
        return new StableFile(rule, file, FileIdentity.of(file), Instant.now());
    }

    private Optional<String> object(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(prefix + key)).asUtf8String());
        } catch (NoSuchKeyException absent) {
            return Optional.empty();
        }
    }

    private List<String> keys() {
        return s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(o -> o.key().substring(prefix.length())).sorted().toList();
    }

    private void swapSubForLinkToOutside() {
        try {
            Files.move(inbox.resolve("sub"), inbox.resolve("sub.orig"));
            Files.createSymbolicLink(inbox.resolve("sub"), outside);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- containment ----

    @Test
    void subFolderReplacedByALinkAfterDiscovery_outsideFileIsNeitherUploadedNorDeleted() throws Exception {
        DropRule rule = rule(inbox, AfterUpload.DELETE, Symlinks.SKIP);
        Path file = Files.writeString(Files.createDirectories(inbox.resolve("sub")).resolve("a.txt"), "inside");
        Files.writeString(outside.resolve("a.txt"), "outside secret");
        StableFile found = stable(rule, file);
        swapSubForLinkToOutside();

        UploadOutcome outcome = uploader.attempt(found);

        assertThat(outcome).isInstanceOfSatisfying(UploadOutcome.Kept.class,
                k -> assertThat(k.reason()).isEqualTo("outside_root"));
        assertThat(keys()).isEmpty();
        assertThat(outside.resolve("a.txt")).hasContent("outside secret");
        assertThat(inbox.resolve("sub.orig/a.txt")).hasContent("inside");
    }

    @Test
    void subFolderReplacedByALinkWhileUploading_theOutsideFileIsNotReadNorDeleted() throws Exception {
        DropRule rule = rule(inbox, AfterUpload.DELETE, Symlinks.SKIP);
        Path file = Files.writeString(Files.createDirectories(inbox.resolve("sub")).resolve("a.txt"), "inside!");
        Files.writeString(outside.resolve("a.txt"), "outside secret"); // another size: a read of it would show
        StableFile found = stable(rule, file);
        onPlanned.set(this::swapSubForLinkToOutside); // the inside file is open, nothing is sent yet

        UploadOutcome outcome = uploader.attempt(found);

        assertThat(outcome).isInstanceOfSatisfying(UploadOutcome.Kept.class,
                k -> assertThat(k.reason()).isEqualTo("outside_root"));
        assertThat(object("sub/a.txt")).as("no object, or only the inside bytes").satisfiesAnyOf(
                o -> assertThat(o).isEmpty(), o -> assertThat(o).contains("inside!"));
        assertThat(outside.resolve("a.txt")).hasContent("outside secret");
        assertThat(inbox.resolve("sub.orig/a.txt")).hasContent("inside!");
    }

    @Test
    void followInsideRootLink_reTargetedOutsideAfterDiscovery_isNotRead() throws Exception {
        DropRule rule = rule(inbox, AfterUpload.DELETE, Symlinks.FOLLOW_INSIDE_ROOT);
        Path real = Files.writeString(inbox.resolve("real.txt"), "inside");
        Path link = Files.createSymbolicLink(inbox.resolve("link.txt"), real);
        Files.writeString(outside.resolve("a.txt"), "outside secret");
        StableFile found = stable(rule, link);
        Files.delete(link);
        Files.createSymbolicLink(link, outside.resolve("a.txt"));

        UploadOutcome outcome = uploader.attempt(found);

        assertThat(outcome).isInstanceOfSatisfying(UploadOutcome.Kept.class,
                k -> assertThat(k.reason()).isEqualTo("outside_root"));
        assertThat(keys()).isEmpty();
        assertThat(outside.resolve("a.txt")).hasContent("outside secret");
        assertThat(link).isSymbolicLink();
    }

    @Test
    void followInsideRootLink_stillInside_isUploadedFromItsTarget() throws Exception {
        DropRule rule = rule(inbox, AfterUpload.KEEP, Symlinks.FOLLOW_INSIDE_ROOT);
        Path real = Files.writeString(inbox.resolve("real.txt"), "inside");
        Path link = Files.createSymbolicLink(inbox.resolve("link.txt"), real);

        assertThat(uploader.attempt(stable(rule, link))).isInstanceOf(UploadOutcome.Completed.class);
        assertThat(object("link.txt")).contains("inside");
    }

    @Test
    void fileReplacedBetweenUploadAndPostAction_isKept_notDeleted() throws Exception {
        DropRule rule = rule(inbox, AfterUpload.DELETE, Symlinks.SKIP);
        Path file = Files.writeString(inbox.resolve("report.csv"), "first version");
        StableFile found = stable(rule, file);
        UploadOutcome outcome = uploader.attempt(found);
        assertThat(outcome).isInstanceOf(UploadOutcome.Completed.class);
        // a producer replaces the file by a new one (new inode) before the post-action runs
        Path next = Files.writeString(inbox.resolve(".report.csv.new"), "second version");
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        assertThatThrownBy(() -> completion.uploaded(found, ((UploadOutcome.Completed) outcome).proof()))
                .isInstanceOfSatisfying(SourceFolder.RefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(SourceFolder.Refusal.IDENTITY_CHANGED));

        assertThat(file).hasContent("second version");
        assertThat(object("report.csv")).contains("first version");
    }

    @Test
    void moveRule_fileAppendedToBeforePostAction_isNotMovedToTheArchive() throws Exception {
        Path archive = tmp.resolve("archive");
        TestRules t = TestRules.in(inbox);
        t.bucket = BUCKET;
        t.prefix = prefix;
        t.afterUpload = AfterUpload.MOVE;
        t.archiveDir = archive;
        DropRule rule = t.build();
        Path file = Files.writeString(inbox.resolve("m.txt"), "first");
        StableFile found = stable(rule, file);
        UploadOutcome.Completed done = (UploadOutcome.Completed) uploader.attempt(found);
        Files.writeString(file, "second, appended after the upload", java.nio.file.StandardOpenOption.APPEND);

        assertThatThrownBy(() -> completion.uploaded(found, done.proof()))
                .isInstanceOf(SourceFolder.RefusedException.class);
        assertThat(file).hasContent("firstsecond, appended after the upload");
        assertThat(archive.resolve("m.txt")).doesNotExist();
    }

    // ---- one file, one key ----

    private static final String NFC = Normalizer.normalize("café.txt", Normalizer.Form.NFC);
    private static final String NFD = Normalizer.normalize("café.txt", Normalizer.Form.NFD);

    /** Writes the NFC name first (older) and the NFD one second: two different files on Linux. */
    private Path[] twins() throws Exception {
        Path nfc = Files.writeString(inbox.resolve(NFC), "first: NFC");
        Files.setLastModifiedTime(nfc, FileTime.from(Instant.now().minusSeconds(60)));
        Path nfd = Files.writeString(inbox.resolve(NFD), "second: NFD");
        try (Stream<Path> listing = Files.list(inbox)) {
            assertThat(listing.count()).as("the file system keeps both names").isEqualTo(2);
        }
        return new Path[] {nfc, nfd};
    }

    @Test
    void nfcAndNfdTwins_firstUploadedAndDeleted_theSecondCollides_evenAfterTheFirstIsGone() throws Exception {
        DropRule rule = rule(inbox, AfterUpload.DELETE, Symlinks.SKIP);
        Path[] twins = twins();
        StableFile first = stable(rule, twins[0]);
        StableFile second = stable(rule, twins[1]);

        UploadOutcome.Completed done = (UploadOutcome.Completed) uploader.attempt(first);
        completion.uploaded(first, done.proof());
        uploader.released(first);
        assertThat(twins[0]).doesNotExist();
        UploadOutcome outcome = uploader.attempt(second);

        assertThat(outcome).isInstanceOfSatisfying(UploadOutcome.Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo(FailureReason.KEY_COLLISION);
            assertThat(r.detail()).contains(twins[0].toString()).contains(twins[1].toString());
        });
        assertThat(keys()).containsExactly(NFC);
        assertThat(object(NFC)).contains("first: NFC");
        assertThat(twins[1]).hasContent("second: NFD");
    }

    @Test
    void nfcAndNfdTwins_theYoungerTriedFirst_collidesWithTheOlder_whichIsThenUploaded() throws Exception {
        DropRule rule = rule(inbox, AfterUpload.KEEP, Symlinks.SKIP);
        Path[] twins = twins();

        UploadOutcome outcome = uploader.attempt(stable(rule, twins[1]));
        assertThat(outcome).isInstanceOfSatisfying(UploadOutcome.Rejected.class, r ->
                assertThat(r.reason()).isEqualTo(FailureReason.KEY_COLLISION));
        assertThat(uploader.attempt(stable(rule, twins[0]))).isInstanceOf(UploadOutcome.Completed.class);

        assertThat(keys()).containsExactly(NFC);
        assertThat(object(NFC)).contains("first: NFC");
        assertThat(twins[0]).hasContent("first: NFC");
        assertThat(twins[1]).hasContent("second: NFD");
    }

    @Test
    void twoRulesMappingToOneKey_theLaterFileCollides_namingBothPaths() throws Exception {
        Path other = Files.createDirectories(tmp.resolve("other"));
        DropRule a = rule(inbox, AfterUpload.KEEP, Symlinks.SKIP);
        DropRule b = rule(other, AfterUpload.DELETE, Symlinks.SKIP);
        Path fromA = Files.writeString(inbox.resolve("data.bin"), "from rule a");
        Path fromB = Files.writeString(other.resolve("data.bin"), "from rule b");

        assertThat(uploader.attempt(stable(a, fromA))).isInstanceOf(UploadOutcome.Completed.class);
        UploadOutcome outcome = uploader.attempt(stable(b, fromB));

        assertThat(outcome).isInstanceOfSatisfying(UploadOutcome.Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo(FailureReason.KEY_COLLISION);
            assertThat(r.detail()).contains(fromA.toString()).contains(fromB.toString());
        });
        assertThat(object("data.bin")).contains("from rule a");
        assertThat(fromA).hasContent("from rule a");
        assertThat(fromB).hasContent("from rule b");
    }

    @Test
    void sameFileTriedAgain_isNoCollision() throws Exception {
        DropRule rule = rule(inbox, AfterUpload.KEEP, Symlinks.SKIP);
        Path file = Files.writeString(inbox.resolve("again.txt"), "v1");
        assertThat(uploader.attempt(stable(rule, file))).isInstanceOf(UploadOutcome.Completed.class);
        Files.writeString(file, "v2 longer");
        assertThat(uploader.attempt(stable(rule, file))).isInstanceOf(UploadOutcome.Completed.class);
        assertThat(object("again.txt")).contains("v2 longer");
    }

    /** Creates a file whose name is the given bytes (not valid UTF-8), through python3. */
    private Path rawName(byte[] name, String content) throws Exception {
        StringBuilder literal = new StringBuilder();
        for (byte b : name) {
            literal.append(String.format("\\x%02x", b & 0xff));
        }
        Process p = new ProcessBuilder("python3", "-c", "import os,sys; open(os.path.join(sys.argv[1].encode(), b'"
                + literal + "'), 'wb').write(sys.argv[2].encode())", inbox.toString(), content)
                .redirectErrorStream(true).start();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        try (Stream<Path> listing = Files.list(inbox)) {
            return listing.filter(f -> {
                try {
                    return Files.readString(f).equals(content);
                } catch (Exception e) {
                    return false;
                }
            }).findFirst().orElseThrow();
        }
    }

    @Test
    void namesDifferingOnlyInAnInvalidUtf8Byte_giveDistinctKeys_andALiteralTwinCollides() throws Exception {
        DropRule rule = rule(inbox, AfterUpload.DELETE, Symlinks.SKIP);
        Path ff = rawName(new byte[] {'i', 'n', 'v', (byte) 0xff, '.', 't', 'x', 't'}, "byte ff");
        Path fe = rawName(new byte[] {'i', 'n', 'v', (byte) 0xfe, '.', 't', 'x', 't'}, "byte fe");
        Files.setLastModifiedTime(ff, FileTime.from(Instant.now().minusSeconds(60)));
        Files.setLastModifiedTime(fe, FileTime.from(Instant.now().minusSeconds(60)));
        Path literal = Files.writeString(inbox.resolve("inv%FF.txt"), "literal percent");
        assertThat(ff.toString()).as("the JVM shows both names alike").isEqualTo(fe.toString());

        for (Path f : List.of(ff, fe)) {
            StableFile s = stable(rule, f);
            UploadOutcome.Completed done = (UploadOutcome.Completed) uploader.attempt(s);
            completion.uploaded(s, done.proof());
        }
        UploadOutcome third = uploader.attempt(stable(rule, literal));

        assertThat(keys()).containsExactly("inv%FE.txt", "inv%FF.txt");
        assertThat(object("inv%FF.txt")).contains("byte ff");
        assertThat(object("inv%FE.txt")).contains("byte fe");
        assertThat(third).isInstanceOfSatisfying(UploadOutcome.Rejected.class, r ->
                assertThat(r.reason()).isEqualTo(FailureReason.KEY_COLLISION));
        assertThat(literal).hasContent("literal percent");
        try (Stream<Path> listing = Files.list(inbox)) {
            assertThat(listing.toList()).as("both raw-named sources were deleted after upload, by their own bytes")
                    .containsExactly(literal);
        }
    }
}
