package io.chute.cli;

import io.chute.config.ChuteConfig;
import io.chute.config.DropRule;
import io.chute.engine.UploadEngine;
import io.chute.stability.FileIdentity;
import io.chute.stability.StableFile;
import io.chute.upload.UploadOutcome;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.Normalizer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@code chute upload DIR s3://bucket/prefix/}: every regular file under DIR (recursively, filtered by globs)
 * through the same engine as a single file ({@link UploadCommand}), {@code workers} files at a time. Each file
 * goes to {@code prefix + its path relative to DIR} (segments NFC-normalized, {@code /}-separated). Symbolic
 * links (never followed) and special files are skipped with their reason; two paths that map to one key are both
 * failures (never merged into one object). A rerun resumes: finished files have receipts, multipart ones their
 * checkpoints.
 */
final class BatchUpload {

    /** One file's result. */
    enum Result { UPLOADED, SKIPPED_EXISTING, SKIPPED, FAILED, INTERRUPTED }

    record Item(Path relative, String reason) {
    }

    private final Path root;
    private final S3Uri target;
    private final List<String> includes;
    private final List<String> excludes;
    private final boolean skipExisting;
    private final Path stateDir;
    private final String ruleName;
    private final List<Item> skipped = Collections.synchronizedList(new ArrayList<>());
    private final List<Item> failed = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger uploaded = new AtomicInteger();
    private final AtomicInteger present = new AtomicInteger();
    private final AtomicInteger interrupted = new AtomicInteger();

    BatchUpload(Path root, S3Uri target, List<String> includes, List<String> excludes, boolean skipExisting,
                Path stateDir) {
        this.root = root;
        this.target = target;
        this.includes = includes;
        this.excludes = excludes;
        this.skipExisting = skipExisting;
        this.stateDir = stateDir;
        this.ruleName = ruleNameOf(root, target);
    }

    /**
     * The name receipts are filed under: one per (DIR, bucket, prefix), so that a receipt, which records the file
     * and not its key, proves the upload to exactly this file's key and no other target's.
     */
    static String ruleNameOf(Path root, S3Uri target) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest((root + "\n" + target.bucket()
                    + "\n" + target.key()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "cli-batch-" + java.util.HexFormat.of().formatHex(hash, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    /** The files to upload, by key; fills {@link #skipped} and {@link #failed} (collisions) as it goes. */
    Map<String, Path> plan() throws IOException {
        List<PathMatcher> in = includes.stream().map(BatchUpload::glob).toList();
        List<PathMatcher> out = excludes.stream().map(BatchUpload::glob).toList();
        Map<String, List<Path>> byKey = new LinkedHashMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root) && dir.startsWith(stateDir)) {
                    return FileVisitResult.SKIP_SUBTREE; // Chute's own state dir inside the tree
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                Path relative = root.relativize(file);
                String name = file.getFileName().toString();
                if (name.endsWith(".upload_state") || name.contains(".upload_state.corrupt-")) {
                    return FileVisitResult.CONTINUE; // Chute's own checkpoints
                }
                if (!selected(relative, in, out)) {
                    return FileVisitResult.CONTINUE;
                }
                if (attrs.isSymbolicLink()) {
                    skipped.add(new Item(relative, "symbolic link (links are not followed)"));
                } else if (!attrs.isRegularFile()) {
                    skipped.add(new Item(relative, "not a regular file (FIFO, socket or device)"));
                } else {
                    byKey.computeIfAbsent(keyOf(relative), k -> new ArrayList<>()).add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                failed.add(new Item(root.relativize(file), "unreadable: " + e.getMessage()));
                return FileVisitResult.CONTINUE;
            }
        });
        Map<String, Path> files = new LinkedHashMap<>();
        byKey.forEach((key, paths) -> {
            if (paths.size() == 1) {
                files.put(key, paths.get(0));
            } else {
                String all = String.join(", ", paths.stream().map(p -> root.relativize(p).toString()).toList());
                for (Path p : paths) {
                    failed.add(new Item(root.relativize(p), "key collision: " + all + " all map to key " + key
                            + " (after NFC normalization); none of them is uploaded"));
                }
            }
        });
        return files;
    }

    /** A pattern without {@code /} matches the file name at any depth; one with {@code /} the path relative to DIR. */
    private static boolean selected(Path relative, List<PathMatcher> in, List<PathMatcher> out) {
        boolean included = in.isEmpty() || in.stream().anyMatch(m -> m.matches(relative)
                || m.matches(relative.getFileName()));
        boolean excluded = out.stream().anyMatch(m -> m.matches(relative) || m.matches(relative.getFileName()));
        return included && !excluded;
    }

    private static PathMatcher glob(String pattern) {
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        return pattern.contains("/") ? m : path -> path.getNameCount() == 1 && m.matches(path);
    }

    String keyOf(Path relative) {
        String prefix = target.key();
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix += "/";
        }
        List<String> segments = new ArrayList<>();
        relative.forEach(p -> segments.add(Normalizer.normalize(p.toString(), Normalizer.Form.NFC)));
        return prefix + String.join("/", segments);
    }

    /** Uploads every planned file with {@code workers} threads; {@code one} uploads one file (with retries). */
    void run(Map<String, Path> files, int workers, UploadEngine engine, BatchProgress progress,
             Function<StableFile, UploadOutcome> one) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
            Thread t = new Thread(r, "chute-batch-file");
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> all = new ArrayList<>();
        files.forEach((key, file) -> all.add(pool.submit(() -> {
            Result r = uploadOne(engine, key, file, one);
            progress.fileDone(file, r);
        })));
        pool.shutdown();
        for (Future<?> f : all) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                failed.add(new Item(Path.of("?"), "internal error: " + e.getCause()));
            }
        }
        pool.awaitTermination(1, TimeUnit.MINUTES);
    }

    private Result uploadOne(UploadEngine engine, String key, Path file, Function<StableFile, UploadOutcome> one) {
        Path relative = root.relativize(file);
        try {
            FileIdentity identity = FileIdentity.of(file);
            DropRule rule = DropRule.oneFile(ruleName, file, target.bucket(), key);
            if (skipExisting && presentWithSize(engine, key, identity.sizeInBytes())) {
                present.incrementAndGet();
                return Result.SKIPPED_EXISTING;
            }
            StableFile stable = new StableFile(rule, file, identity, Clock.systemUTC().instant());
            UploadOutcome outcome = one.apply(stable);
            if (outcome instanceof UploadOutcome.Completed done) {
                engine.completion().uploaded(stable, done.proof()); // a receipt: a rerun skips it without a request
                uploaded.incrementAndGet();
                return Result.UPLOADED;
            }
            if (outcome instanceof UploadOutcome.AlreadyDone) {
                engine.completion().finish(rule, file);
                present.incrementAndGet();
                return Result.SKIPPED_EXISTING;
            }
            if (outcome instanceof UploadOutcome.Interrupted) {
                interrupted.incrementAndGet();
                return Result.INTERRUPTED;
            }
            failed.add(new Item(relative, describe(outcome)));
            return Result.FAILED;
        } catch (FileIdentity.NotRegularFileException | java.nio.file.NoSuchFileException gone) {
            skipped.add(new Item(relative, "removed or no longer a regular file"));
            return Result.SKIPPED;
        } catch (IOException | RuntimeException e) {
            failed.add(new Item(relative, e.toString()));
            return Result.FAILED;
        }
    }

    /** {@code --skip-existing}: an object of the file's size is already stored under its key (one HeadObject). */
    private boolean presentWithSize(UploadEngine engine, String key, long size) {
        try {
            HeadObjectResponse head = engine.s3().headObject(r -> r.bucket(target.bucket()).key(key));
            return head.contentLength() != null && head.contentLength() == size;
        } catch (NoSuchKeyException absent) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    static String describe(UploadOutcome outcome) {
        if (outcome instanceof UploadOutcome.RetryLater r) {
            return r.reason().tag() + ": " + r.detail();
        }
        if (outcome instanceof UploadOutcome.Rejected r) {
            return r.reason().tag() + ": " + r.detail();
        }
        if (outcome instanceof UploadOutcome.SourceChanged c) {
            return "changed while it was being uploaded (" + c.detail() + ")";
        }
        if (outcome instanceof UploadOutcome.SourceGone) {
            return "removed during the upload";
        }
        return outcome.toString();
    }

    int uploaded() {
        return uploaded.get();
    }

    int present() {
        return present.get();
    }

    List<Item> skipped() {
        return sorted(skipped);
    }

    List<Item> failed() {
        return sorted(failed);
    }

    private static List<Item> sorted(List<Item> items) {
        synchronized (items) {
            List<Item> copy = new ArrayList<>(items);
            copy.sort(java.util.Comparator.comparing(i -> i.relative().toString()));
            return copy;
        }
    }

    /** The summary: per skipped and failed file one line, then the totals; or all of it as JSON. */
    int report(PrintStream out, boolean json, long bytesSent, long bytesUploadedFiles, double seconds)
            throws IOException {
        List<Item> skip = skipped();
        List<Item> fail = failed();
        double rate = seconds > 0 ? bytesSent / seconds : 0;
        if (json) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("target", target.toString());
            s.put("uploaded", uploaded());
            s.put("skippedExisting", present());
            s.put("skipped", skip.stream().map(i -> Map.of("path", i.relative().toString(), "reason", i.reason()))
                    .toList());
            s.put("failed", fail.stream().map(i -> Map.of("path", i.relative().toString(), "reason", i.reason()))
                    .toList());
            s.put("interrupted", interrupted.get());
            s.put("bytesSent", bytesSent);
            s.put("bytesUploadedFiles", bytesUploadedFiles);
            s.put("seconds", Math.round(seconds * 1000) / 1000.0);
            s.put("mbPerSecond", Math.round(rate / 1e6 * 100) / 100.0);
            out.println(PresignCommand.JSON.writeValueAsString(s));
        } else {
            for (Item i : skip) {
                out.println("skipped " + i.relative() + ": " + i.reason());
            }
            for (Item i : fail) {
                out.println("failed " + i.relative() + ": " + i.reason());
            }
            out.printf(Locale.ROOT, "%s: %d uploaded, %d skipped as present, %d skipped, %d failed%s; %s sent in"
                            + " %.1f s (%s)%n", target, uploaded(), present(), skip.size(), fail.size(),
                    interrupted.get() > 0 ? ", " + interrupted.get() + " not finished (interrupted: run the same command"
                            + " again to resume)" : "", Units.bytes(bytesSent), seconds, Units.rate(rate));
        }
        out.flush();
        return fail.isEmpty() ? 0 : 1;
    }
}
