package io.chute.completion;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chute.checkpoint.Durable;
import io.chute.checkpoint.StateDirUnavailableException;
import io.chute.multipart.ObjectProof;
import io.chute.stability.FileIdentity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Receipts under {@code <state-dir>/receipts/<rule>/}, one JSON file per source path (named by the SHA-256 of
 * the path). Written atomically after verification and before any post-action, so a crash between the two
 * never uploads the file again: the next start finds the receipt and only applies the post-action.
 */
public final class ReceiptStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;

    public ReceiptStore(Path stateDir) {
        this.root = stateDir.resolve("receipts");
    }

    public void record(String rule, Path file, FileIdentity identity, ObjectProof proof, Instant now) throws IOException {
        Receipt receipt = new Receipt(rule, file.toString(), identity.sizeInBytes(), identity.mtimeMillis(),
                identity.fileKey(), proof.bucket(), proof.key(), proof.etag(), proof.checksum(), now.toString());
        try {
            Durable.writeAtomically(pathOf(rule, file), JSON.writeValueAsBytes(receipt));
        } catch (IOException e) {
            throw StateDirUnavailableException.stateDir(root.getParent(), "receipt", e);
        }
    }

    /** The receipt for this file if its identity is unchanged since it was uploaded. */
    public Optional<Receipt> find(String rule, Path file, FileIdentity identity) {
        Path receipt = pathOf(rule, file);
        if (!receipt.toFile().isFile()) {
            return Optional.empty(); // the usual case, asked without an exception (NIO's read would throw one)
        }
        try {
            Receipt r = JSON.readValue(Files.readAllBytes(receipt), Receipt.class);
            boolean same = r.size() == identity.sizeInBytes() && r.mtimeMillis() == identity.mtimeMillis()
                    && r.fileKey().equals(identity.fileKey()) && r.path().equals(file.toString());
            return same ? Optional.of(r) : Optional.empty();
        } catch (NoSuchFileException none) {
            return Optional.empty();
        } catch (IOException unreadable) {
            return Optional.empty(); // a damaged receipt only costs one re-upload
        }
    }

    public void remove(String rule, Path file) throws IOException {
        try {
            Files.deleteIfExists(pathOf(rule, file));
        } catch (IOException e) {
            throw StateDirUnavailableException.stateDir(root.getParent(), "receipt removal", e);
        }
    }

    private Path pathOf(String rule, Path file) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(file.toString().getBytes(StandardCharsets.UTF_8));
            return root.resolve(rule).resolve(HexFormat.of().formatHex(hash) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }
}
