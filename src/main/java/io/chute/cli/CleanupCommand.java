package io.chute.cli;

import io.chute.engine.UploadEngine;
import io.chute.multipart.TransferListener;
import io.chute.upload.OrphanJanitor;
import io.chute.upload.OrphanJanitor.Orphan;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.annotations.RegisterForReflection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chute cleanup}: this installation's orphaned multipart uploads, as the daemon's janitor sees them
 * (uploads recorded in the ledger under {@code chute.state-dir} that no sidecar references, on the global
 * connection and on every rule's own), older than
 * {@code --older-than}. A dry run by default: it lists what it would abort and changes nothing;
 * {@code --apply} aborts them. Uploads of other clients are never listed (ListMultipartUploads has no owner;
 * only the ledger knows which uploads are Chute's). Safe next to a running daemon: an upload in progress is
 * referenced by its sidecar, and younger ones are protected by the age limit.
 */
@RegisterForReflection // picocli reads its annotations reflectively, also in a native image
@Command(name = "cleanup", mixinStandardHelpOptions = true,
        description = "Lists (and with --apply aborts) this installation's orphaned multipart uploads.")
final class CleanupCommand implements Callable<Integer> {

    @Option(names = "--apply", description = "Abort the uploads listed (default: only list them).")
    boolean apply;

    @Option(names = "--older-than", defaultValue = "24h", paramLabel = "AGE", converter = AgeConverter.class,
            description = "Only uploads recorded at least this long ago, e.g. 30m, 24h, 0s (default: ${DEFAULT-VALUE}).")
    Duration olderThan;

    @Override
    public Integer call() throws Exception {
        try (UploadEngine engine = UploadEngine.forRules(ChuteCommand.config(), TransferListener.NONE,
                Clock.systemUTC(), failure -> { })) {
            // Every connection's janitor (chute.s3 and each rule's overrides); a dry run of two connections of
            // one endpoint would list an upload twice, hence distinct.
            List<Orphan> orphans = new java.util.ArrayList<>();
            for (OrphanJanitor janitor : engine.janitors(path -> false, olderThan, () -> { })) {
                orphans.addAll(janitor.sweep(false, apply));
            }
            orphans = orphans.stream().distinct().toList();
            String verb = apply ? "aborted" : "would abort";
            for (Orphan o : orphans) {
                System.out.printf("%s s3://%s/%s uploadId=%s source=%s recorded=%s%n", verb, o.bucket(), o.key(),
                        o.uploadId(), o.source(), o.since());
            }
            System.out.printf("%d orphaned upload(s) %s%s%n", orphans.size(), apply ? "aborted" : "found",
                    apply || orphans.isEmpty() ? "" : "; run again with --apply to abort them");
        }
        return 0;
    }

    /** Durations as Chute's configuration writes them ({@code 30s}, {@code 24h}, ISO-8601). */
    @RegisterForReflection // picocli reads its annotations reflectively, also in a native image
    static final class AgeConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                Duration d = new DurationConverter().convert(value);
                if (d == null || d.isNegative()) {
                    throw new IllegalArgumentException("negative");
                }
                return d;
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 30m or 24h");
            }
        }
    }
}
