package io.chute.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.Part;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one-shot commands of the batch/presign issue without a server: their {@code --help} (options and exit
 * statuses documented), how {@code presign complete} names missing parts, and how {@code upload DIR} plans a tree
 * (links, special files, globs, NFC key collisions).
 */
class CliCommandsHelpTest {

    @TempDir
    Path tmp;

    private static String usage(String... path) {
        CommandLine cl = ChuteCommand.commandLine();
        for (String name : path) {
            cl = cl.getSubcommands().get(name);
        }
        return cl.getUsageMessage();
    }

    @Test
    void help_ofEveryNewCommand_namesItsOptions_andExitStatuses() {
        assertThat(usage("presign")).contains("get", "put", "multipart", "part", "complete");
        assertThat(usage("presign", "get")).contains("--expires", "--json", "s3://BUCKET/KEY");
        assertThat(usage("presign", "put")).contains("--expires", "--content-type");
        assertThat(usage("presign", "multipart")).contains("--size", "--part-size", "--expires", "--ledger-expires",
                "--content-type", "--storage-class", "--sse", "--metadata", "--rule", "--checksum-algorithm",
                "--part-checksums", "no checksum is signed", "x-amz-checksum-ALG");
        assertThat(usage("presign", "part")).contains("--upload-id", "--part-number", "--checksum-algorithm",
                "--checksum", "--expires", "--json");
        assertThat(usage("presign", "complete")).contains("--upload-id", "--expect-size", "--expect-sha256",
                "3 parts missing", "4 completed but");
        assertThat(usage("uploads", "list")).contains("--json", "ours");
        assertThat(usage("uploads", "abort")).contains("--upload-id");
        assertThat(usage("uploads", "resume")).contains("--upload-id", "FILE", "CRC32C", "130");
        assertThat(usage("uploads")).contains("list", "resume", "abort");
        assertThat(usage("upload")).contains("FILE|DIR", "--include", "--exclude", "--workers", "--skip-existing",
                "--json", "130 interrupted");
    }

    @Test
    void presignComplete_missingParts_areTheGaps_andThePartsTheExpectedSizeNeeds() {
        List<Part> stored = List.of(part(1, 5), part(3, 5), part(4, 5));
        assertThat(PresignCommand.missingParts(stored, null, null)).containsExactly(2);
        assertThat(PresignCommand.missingParts(stored, 32L, null)).containsExactly(2, 5, 6, 7);
        assertThat(PresignCommand.missingParts(stored, 32L, 8L)).containsExactly(2);
        assertThat(PresignCommand.missingParts(List.of(part(2, 5)), 12L, null)).as("no part 1: its size is unknown")
                .containsExactly(1);
        assertThat(PresignCommand.missingParts(List.of(), null, null)).isEmpty();
        assertThat(PresignCommand.ranges(new TreeSet<>(List.of(2, 5, 6, 7, 9)))).isEqualTo("2, 5-7, 9");
    }

    @Test
    void batchPlan_skipsLinksAndFifos_appliesGlobs_andFailsBothNamesOfAKeyCollision() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("tree"));
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/keep.txt"), "x");
        Files.writeString(root.resolve("a/drop.tmp"), "x");
        Files.writeString(root.resolve("top.txt"), "x");
        Files.writeString(root.resolve("top.txt.upload_state"), "checkpoint");
        Files.writeString(root.resolve("caf\u00e9.txt"), "x");
        Files.writeString(root.resolve("cafe\u0301.txt"), "y");
        Files.createSymbolicLink(root.resolve("link.txt"), root.resolve("top.txt"));
        assertThat(new ProcessBuilder("mkfifo", root.resolve("a/pipe").toString()).start().waitFor()).isZero();

        BatchUpload batch = new BatchUpload(root, S3Uri.parse("s3://b/p"), List.of(), List.of("*.tmp"), false,
                tmp.resolve("state"));
        var files = batch.plan();

        assertThat(files).containsOnlyKeys("p/a/b/keep.txt", "p/top.txt");
        assertThat(batch.skipped()).extracting(i -> i.relative().toString() + ": " + i.reason()).containsExactly(
                "a/pipe: not a regular file (FIFO, socket or device)",
                "link.txt: symbolic link (links are not followed)");
        assertThat(batch.failed()).hasSize(2).allSatisfy(i -> assertThat(i.reason())
                .contains("key collision").contains("p/caf\u00e9.txt"));

        BatchUpload onlyB = new BatchUpload(root, S3Uri.parse("s3://b/"), List.of("a/b/*"), List.of(), false,
                tmp.resolve("state"));
        assertThat(onlyB.plan()).containsOnlyKeys("a/b/keep.txt");
    }

    private static Part part(int number, long size) {
        return Part.builder().partNumber(number).size(size).eTag("e" + number).build();
    }
}
