package io.chute.completion;

import io.chute.checkpoint.InstallationKey;
import io.chute.checkpoint.SidecarStore;
import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.multipart.ObjectProof;
import io.chute.stability.FileIdentity;
import io.chute.stability.StableFile;
import io.chute.testing.TestRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/** Which post-actions leave a receipt: only keep needs one, so delete and move pay no fsync per file. */
class CompletionReceiptsTest {

    @TempDir
    Path tmp;

    private Completion completion(Path state) throws Exception {
        return new Completion(new ReceiptStore(state), new SidecarStore(InstallationKey.loadOrCreate(state),
                Clock.systemUTC(), null), state, Clock.systemUTC());
    }

    private StableFile dropped(AfterUpload action, String name) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("drop-" + action));
        TestRules rule = TestRules.in(folder);
        rule.afterUpload = action;
        rule.archiveDir = tmp.resolve("archive");
        Path file = Files.writeString(folder.resolve(name), "payload of " + name);
        return new StableFile(rule.build(), file, FileIdentity.of(file), java.time.Instant.now());
    }

    private static ObjectProof proof(StableFile f) {
        return new ObjectProof("bucket", f.path().getFileName().toString(), f.identity().sizeInBytes(), "e", "c",
                "crc32c");
    }

    @Test
    void keptFile_getsAReceipt_soTheUnchangedFileIsNeverUploadedAgain() throws Exception {
        Path state = tmp.resolve("state");
        Completion completion = completion(state);
        StableFile kept = dropped(AfterUpload.KEEP, "kept.csv");

        completion.uploaded(kept, proof(kept));

        assertThat(kept.path()).exists();
        assertThat(completion.alreadyUploaded(kept.rule(), kept.path(), kept.identity())).isPresent();
    }

    @Test
    void deletedAndMovedFiles_leaveNoReceiptBehind() throws Exception {
        Path state = tmp.resolve("state");
        Completion completion = completion(state);
        StableFile deleted = dropped(AfterUpload.DELETE, "deleted.csv");
        StableFile moved = dropped(AfterUpload.MOVE, "moved.csv");

        completion.uploaded(deleted, proof(deleted));
        completion.uploaded(moved, proof(moved));

        assertThat(deleted.path()).doesNotExist();
        assertThat(moved.path()).doesNotExist();
        assertThat(tmp.resolve("archive").resolve("moved.csv")).hasContent("payload of moved.csv");
        // not even written and removed again: the receipts folder is created by the first receipt written
        assertThat(state.resolve("receipts")).doesNotExist();
    }
}
