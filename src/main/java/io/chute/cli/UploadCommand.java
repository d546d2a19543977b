package io.chute.cli;

import io.chute.engine.UploadEngine;
import io.chute.checkpoint.Checkpoint;
import io.chute.checkpoint.SidecarHeader;
import io.chute.config.ChuteConfig;
import io.chute.config.DropRule;
import io.chute.multipart.ObjectProof;
import io.chute.stability.FileIdentity;
import io.chute.stability.StableFile;
import io.chute.upload.Backoff;
import io.chute.upload.UploadOutcome;
import io.quarkus.runtime.annotations.RegisterForReflection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code chute upload FILE s3://bucket/key}: one file through the daemon's engine ({@link UploadEngine}):
 * multipart above the threshold with a sidecar checkpoint after every part, HeadObject verification, S3
 * settings from {@code chute.s3.*}. Exit 0 means the object is stored and verified; the source is kept.
 * <p>
 * Interrupted (SIGINT, SIGTERM): parts being sent finish and are checkpointed within
 * {@code chute.shutdown.grace}, the rest are not started; running the same command again resumes from the
 * sidecar and sends only the missing parts. Killed outright, the rerun resends at most the parts that were in
 * flight. Transient failures are retried like the daemon does ({@code chute.upload.max-attempts},
 * {@code retry-backoff}); a bucket or credential failure ends the command at once.
 */
@RegisterForReflection // picocli reads its annotations reflectively, also in a native image
@Command(name = "upload", mixinStandardHelpOptions = true,
        description = {"Uploads one file, or every file under a directory, to S3 and verifies it; rerun after an "
                + "interruption to resume.",
                "A directory: each regular file below it (recursively) goes to PREFIX + its relative path, WORKERS "
                        + "files at a time; symbolic links (not followed) and special files are skipped with their "
                        + "reason; two paths mapping to one key (after NFC normalization) both fail. Progress for the "
                        + "whole batch on stderr, a summary on stdout.",
                "Exit status: 0 every file uploaded or already present (skipped links and special files do not "
                        + "count as failures); 1 a file failed (a batch: at least one; each named in the summary); "
                        + "130 interrupted (rerun to resume); 2 usage error."})
final class UploadCommand implements Callable<Integer> {

    static final String RULE_NAME = "cli-upload";

    @Parameters(index = "0", paramLabel = "FILE|DIR", description = "The file, or the directory, to upload.")
    Path file;

    @Parameters(index = "1", paramLabel = "s3://BUCKET/KEY", converter = S3Uri.Converter.class,
            description = "Target object; a key ending in / (or none) gets the file's name appended. For a "
                    + "directory, the key prefix.")
    S3Uri target;

    @Option(names = "--include", paramLabel = "GLOB", description = "Directory only: upload only files matching"
            + " (repeatable). A glob without / matches the file name at any depth, one with / the path relative to DIR.")
    List<String> includes = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB", description = "Directory only: leave out files matching"
            + " (repeatable; wins over --include).")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--workers", paramLabel = "N", description = "Directory only: files uploaded at once"
            + " (default: chute.upload.workers, else 8). Parts in flight stay bounded by chute.upload.parts-in-flight.")
    Integer workers;

    @Option(names = "--skip-existing", description = "Directory only: a file whose key already holds an object of"
            + " the same size is skipped as present after one HeadObject, without reading the file. (Without it, a"
            + " file an earlier run of the same command uploaded is skipped by its receipt in chute.state-dir, with"
            + " no request; an identical object, by size and checksum, is not uploaded again; a different one is not"
            + " overwritten.)")
    boolean skipExisting;

    @Option(names = "--json", description = "Directory only: print the summary as JSON {target, uploaded,"
            + " skippedExisting, skipped: [{path, reason}], failed: [{path, reason}], interrupted, bytesSent, bytesUploadedFiles,"
            + " seconds, mbPerSecond}.")
    boolean json;

    /** How progress is shown on stderr. */
    @RegisterForReflection
    enum Progress { AUTO, BAR, LINES, NONE }

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "STYLE",
            description = "auto (a bar on a terminal, lines otherwise), bar, lines or none; on stderr.")
    Progress progress;

    private final CountDownLatch stopRequested = new CountDownLatch(1);

    /** The command for one file, as {@code chute upload FILE s3://BUCKET/KEY} parses it. */
    static UploadCommand ofFile(Path file, S3Uri target, Progress progress) {
        UploadCommand command = new UploadCommand();
        command.file = file;
        command.target = target;
        command.progress = progress;
        return command;
    }

    @Override
    public Integer call() throws Exception {
        ChuteConfig config = ChuteCommand.config();
        Path source = file.toAbsolutePath().normalize();
        if (Files.isDirectory(source, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return uploadDirectory(config, source);
        }
        if (!Files.isRegularFile(source)) {
            throw new CliFailure(file + ": no such file");
        }
        String key = target.keyFor(source);
        // The operator named this file: a link (or a linked folder) on its path is theirs to follow. The key is
        // fixed above from the name given; the upload reads the real file through its real folder.
        source = source.toRealPath();
        DropRule rule = DropRule.oneFile(RULE_NAME, source, target.bucket(), key);
        ProgressReporter reporter = new ProgressReporter(System.err, style(), System::nanoTime);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chute-progress");
            t.setDaemon(true);
            return t;
        });
        try (UploadEngine engine = UploadEngine.open(config, reporter, Clock.systemUTC())) {
            ticker.scheduleAtFixedRate(reporter::tick, 500, 500, TimeUnit.MILLISECONDS);
            CountDownLatch finished = new CountDownLatch(1);
            Thread onSignal = new Thread(() -> {
                stopRequested.countDown();
                engine.objects().stopStartingParts();
                awaitQuietly(finished, config.shutdown().grace());
            }, "chute-upload-stop");
            Runtime.getRuntime().addShutdownHook(onSignal);
            CompletableFuture<Void> probe = probeForLargeFile(engine, config, rule, source);
            try {
                UploadOutcome outcome = uploadWithRetries(engine, config.upload(), rule, source);
                probe.join(); // its objects are deleted before the client closes
                reporter.finish();
                return report(engine, rule, source, outcome, reporter);
            } catch (CliFailure failure) {
                return ChuteCommand.report(failure); // before the latch: an interrupted JVM exits once it opens
            } finally {
                finished.countDown();
                removeQuietly(onSignal);
            }
        } finally {
            ticker.shutdownNow();
        }
    }

    private int uploadDirectory(ChuteConfig config, Path root) throws Exception {
        int fileSlots = workers != null ? workers : config.upload().workers().orElse(8);
        if (fileSlots < 1) {
            throw new CliFailure("--workers must be at least 1", 2);
        }
        BatchUpload batch = new BatchUpload(root, target, includes, excludes, skipExisting,
                config.stateDir().toAbsolutePath().normalize());
        java.util.Map<String, Path> files = batch.plan();
        long totalBytes = 0;
        for (Path f : files.values()) {
            totalBytes += Files.size(f);
        }
        BatchProgress progress = new BatchProgress(System.err, style(), System::nanoTime);
        progress.planned(files.size(), totalBytes);
        long start = System.nanoTime();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chute-progress");
            t.setDaemon(true);
            return t;
        });
        try (UploadEngine engine = UploadEngine.open(config, progress, Clock.systemUTC())) {
            ticker.scheduleAtFixedRate(progress::tick, 2, 2, TimeUnit.SECONDS);
            CountDownLatch finished = new CountDownLatch(1);
            Thread onSignal = new Thread(() -> {
                stopRequested.countDown();
                engine.objects().stopStartingParts();
                awaitQuietly(finished, config.shutdown().grace());
            }, "chute-upload-stop");
            Runtime.getRuntime().addShutdownHook(onSignal);
            try {
                batch.run(files, fileSlots, engine, progress, stable -> {
                    if (stopRequested.getCount() == 0) {
                        return new UploadOutcome.Interrupted();
                    }
                    try {
                        forgetCheckpointOfAnotherTarget(engine, stable);
                        return uploadWithRetries(engine, config.upload(), stable);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return new UploadOutcome.Interrupted();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                progress.finish();
                double seconds = (System.nanoTime() - start) / 1e9;
                int status = batch.report(System.out, json, progress.sentThisRun(), totalBytes, seconds);
                return stopRequested.getCount() == 0 ? 130 : status;
            } finally {
                finished.countDown();
                removeQuietly(onSignal);
            }
        } finally {
            ticker.shutdownNow();
        }
    }

    /**
     * The daemon's endpoint probe ({@code chute.s3.probe}) for the target bucket, beside a multipart upload (see
     * {@link UploadEngine#probeInBackground}). A small file is not worth the probe's six requests: its MD5 costs
     * little and a HeadObject proves it.
     */
    private static CompletableFuture<Void> probeForLargeFile(UploadEngine engine, ChuteConfig config, DropRule rule,
                                                             Path source) throws IOException {
        if (!config.s3().probe() || !"auto".equals(config.upload().verify())
                || !engine.objects().usesMultipart(Files.size(source))) {
            return CompletableFuture.completedFuture(null);
        }
        return engine.probeInBackground(rule.bucket());
    }

    private UploadOutcome uploadWithRetries(UploadEngine engine, ChuteConfig.Upload settings, DropRule rule,
                                            Path source) throws IOException, InterruptedException {
        StableFile stable = new StableFile(rule, source, FileIdentity.of(source), Clock.systemUTC().instant());
        forgetCheckpointOfAnotherTarget(engine, stable);
        return uploadWithRetries(engine, settings, stable);
    }

    private UploadOutcome uploadWithRetries(UploadEngine engine, ChuteConfig.Upload settings, StableFile first)
            throws IOException, InterruptedException {
        Backoff backoff = new Backoff(settings.retryBackoff(), settings.retryBackoffMax());
        DropRule rule = first.rule();
        Path source = first.path();
        for (int attempt = 1; ; attempt++) {
            StableFile stable = attempt == 1 ? first
                    : new StableFile(rule, source, FileIdentity.of(source), Clock.systemUTC().instant());
            UploadOutcome outcome = engine.files().attempt(stable);
            if (!(outcome instanceof UploadOutcome.RetryLater retry) || retry.ruleWide()
                    || attempt >= settings.maxAttempts() || stopRequested.getCount() == 0) {
                return outcome;
            }
            Duration delay = backoff.delay(attempt);
            System.err.printf("chute: %s: attempt %d of %d failed (%s: %s); retrying in %s%n", source, attempt,
                    settings.maxAttempts(), retry.reason().tag(), retry.detail(), Units.duration(delay.toSeconds()));
            if (stopRequested.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                return new UploadOutcome.Interrupted();
            }
        }
    }

    /**
     * A checkpoint names the key it was started for; the daemon resumes under it, but here the operator names
     * the target, so a checkpoint for another target is aborted and the upload starts afresh.
     */
    private void forgetCheckpointOfAnotherTarget(UploadEngine engine, StableFile stable) {
        Optional<Checkpoint> checkpoint;
        try {
            checkpoint = engine.sidecars().load(stable.path());
        } catch (IOException unreadable) {
            return; // the uploader sets a corrupt sidecar aside itself
        }
        if (checkpoint.isPresent()) {
            SidecarHeader h = checkpoint.get().header();
            if (!h.bucket().equals(stable.rule().bucket()) || !h.key().equals(stable.rule().prefix())) {
                engine.files().abandon(stable, "its checkpoint is for s3://" + h.bucket() + "/" + h.key()
                        + ", not for the requested target");
            }
        }
    }

    private int report(UploadEngine engine, DropRule rule, Path source, UploadOutcome outcome,
                       ProgressReporter reporter) throws IOException {
        if (outcome instanceof UploadOutcome.Completed done) {
            engine.completion().finish(rule, source); // source kept; removes the sidecar
            ObjectProof proof = done.proof();
            System.out.printf("uploaded s3://%s/%s: %d bytes, verified by %s%s; %d bytes sent by this run%n",
                    proof.bucket(), proof.key(), proof.sizeInBytes(), proof.verifiedBy(),
                    done.resumed() ? ", resumed from its checkpoint" : "", reporter.sentThisRun());
            return 0;
        }
        if (outcome instanceof UploadOutcome.AlreadyDone) {
            engine.completion().finish(rule, source);
            System.out.printf("s3://%s/%s: already uploaded%n", rule.bucket(), rule.prefix());
            return 0;
        }
        String target = "s3://" + rule.bucket() + "/" + rule.prefix();
        if (outcome instanceof UploadOutcome.Interrupted) {
            throw new CliFailure("interrupted; the parts stored so far are checkpointed in "
                    + engine.sidecars().sidecarOf(source) + ": run the same command again to resume", 130);
        }
        if (outcome instanceof UploadOutcome.RetryLater failed) {
            throw new CliFailure(target + ": " + failed.reason().tag() + ": " + failed.detail()
                    + (failed.ruleWide() ? "" : "; run the same command again to retry (a multipart upload resumes)"));
        }
        if (outcome instanceof UploadOutcome.Rejected rejected) {
            throw new CliFailure(target + ": " + rejected.reason().tag() + ": " + rejected.detail());
        }
        if (outcome instanceof UploadOutcome.SourceChanged changed) {
            throw new CliFailure(file + " changed while it was being uploaded (" + changed.detail()
                    + "); upload it again once it is complete");
        }
        if (outcome instanceof UploadOutcome.Kept kept) {
            throw new CliFailure(file + " was not read: " + kept.reason() + ": " + kept.detail());
        }
        throw new CliFailure(file + " was removed during the upload");
    }

    private ProgressReporter.Style style() {
        return progress == Progress.AUTO ? ProgressReporter.autoStyle() : ProgressReporter.Style.valueOf(progress.name());
    }

    private static void awaitQuietly(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeQuietly(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: the JVM exits once it returns
        }
    }
}
