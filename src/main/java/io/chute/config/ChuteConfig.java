package io.chute.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.quarkus.runtime.configuration.MemorySize;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole Chute configuration: one tree under {@code chute.*}. Each Javadoc sentence is the reference
 * text for its property; {@link ConfigValidator} checks what types alone cannot express.
 */
@ConfigMapping(prefix = "chute")
public interface ChuteConfig {

    /** The S3 connection every rule uses unless the rule overrides it. */
    S3Settings s3();

    /** Directory for Chute's own state: upload ledger, receipts, installation key; never inside a watched folder. */
    @WithDefault(".chute")
    Path stateDir();

    /**
     * Where multipart checkpoints live: {@code beside} each file ({@code <file>.upload_state}), or under
     * {@code <state-dir>/sidecars/} mirroring the file's absolute path, for read-only drop folders.
     */
    @WithDefault("beside")
    SidecarLocation sidecars();

    /** Upload engine bounds. */
    Upload upload();

    /** Shutdown behaviour. */
    Shutdown shutdown();

    /** Discovery settings shared by all rules. */
    Watch watch();

    /** Cleanup of this installation's orphaned multipart uploads. */
    Janitor janitor();

    /** The periodic checks behind readiness. */
    Health health();

    /** Drop folders and where their files go. */
    List<Rule> rules();

    /** The {@code /q/status} endpoint of the management interface. */
    Status status();

    /** Whether this process runs the watching daemon; set false by one-shot commands. */
    @WithDefault("true")
    boolean daemon();

    interface S3Settings {
        /** Endpoint URL of an S3-compatible store; empty means AWS S3 for the region. */
        Optional<URI> endpoint();

        /** AWS region used for signing and for the AWS endpoint. */
        @WithDefault("us-east-1")
        String region();

        /** Path-style addressing ({@code endpoint/bucket/key}), needed by most S3 clones. */
        @WithDefault("false")
        boolean pathStyle();

        /** Named profile from the shared AWS config and credentials files. */
        Optional<String> profile();

        /** Role to assume with STS; the base credentials come from the profile or the default chain. */
        Optional<String> roleArn();

        /** Static access key id; prefer the default credential chain. */
        Optional<String> accessKeyId();

        /** Static secret access key; prefer the default credential chain. */
        Optional<String> secretAccessKey();

        /**
         * Multipart uploads carry a FULL_OBJECT CRC32C (combined from the parts) instead of S3's COMPOSITE
         * checksum-of-checksums; switch off for stores that reject the checksum type.
         */
        @WithDefault("true")
        boolean fullObjectChecksum();

        /** Largest number of parts one multipart upload may use (S3 allows 10,000; some clones fewer). */
        @WithDefault("10000")
        int maxParts();

        /** Maximum pooled HTTP connections per client. */
        @WithDefault("64")
        int maxConnections();

        /** TCP connect timeout. */
        @WithDefault("10s")
        Duration connectTimeout();

        /** Socket read timeout. */
        @WithDefault("60s")
        Duration readTimeout();

        /**
         * Upper bound of one request attempt, sending a whole part included; empty means none (the read timeout
         * still applies). If set, keep it above part size ÷ the slowest throughput you accept.
         */
        Optional<Duration> apiCallAttemptTimeout();

        /**
         * Over a plain-HTTP endpoint, have SigV4 hash every payload byte (the SDK's default there). Off (the
         * default), bodies are sent as {@code UNSIGNED-PAYLOAD}, as over HTTPS: the signature still covers every
         * header, including the CRC32C and Content-MD5 Chute computed and the store checks. Turn it on only for a
         * plain-HTTP network where an attacker on the path is a concern (better: use HTTPS).
         */
        @WithDefault("false")
        boolean signPayloadOverHttp();

        /** External id the role's trust policy requires (AssumeRole only). */
        Optional<String> externalId();

        /** Session name of the assumed role, visible in CloudTrail. */
        @WithDefault("chute")
        String roleSessionName();

        /** Lifetime of the assumed role's credentials (15m to the role's maximum); they are refreshed before expiry. */
        @WithDefault("1h")
        Duration roleSessionDuration();

        /** Profile whose credentials assume the role; default: the profile, static keys or the default chain. */
        Optional<String> sourceProfile();

        /** STS endpoint URL for AssumeRole; empty means the regional AWS endpoint (set for tests and private STS). */
        Optional<URI> stsEndpoint();

        /**
         * At startup, check which guarantees the endpoint honours (conditional writes, CRC32C checksums) by writing
         * and deleting objects under {@code .chute-probe/} in each rule's bucket; failures only warn.
         */
        @WithDefault("true")
        boolean probe();

        /**
         * Accept any TLS certificate of the S3 and STS endpoints (self-signed test stores only); logged as a
         * warning at every start. Never use it against AWS.
         */
        @WithDefault("false")
        boolean trustAllCertificates();
    }

    interface Upload {
        /**
         * Most files in flight at once per S3 connection (the files limit's ceiling). Empty (the default) derives
         * it from the connection pool: {@code chute.s3.max-connections} minus the parts ceiling. With
         * {@code adaptive: false}, the fixed number of files in flight (default 8).
         */
        Optional<Integer> workers();

        /**
         * Most parts in flight at once per S3 connection (the parts limit's ceiling). Empty (the default) derives
         * it from {@code bytes-in-flight} ÷ part size (16 with the defaults), at most half of
         * {@code chute.s3.max-connections}. With {@code adaptive: false}, the fixed number of parts in flight
         * (default 8).
         */
        Optional<Integer> partsInFlight();

        /** Part size for multipart uploads; empty chooses one from the file size. */
        Optional<MemorySize> partSize();

        /** Files at least this large use multipart upload; smaller ones a single PutObject. */
        @WithDefault("16M")
        MemorySize multipartThreshold();

        /**
         * Adapt files and parts in flight to each S3 endpoint: both start at 8 and double per measurement window
         * while throughput grows (then grow by one), up to their ceilings (workers / parts-in-flight); they halve
         * on 503 SlowDown (429, 500) or a more than doubled per-byte latency of parts. False keeps them fixed.
         */
        @WithDefault("true")
        boolean adaptive();

        /**
         * Bytes of parts and PutObject bodies being sent at once, across all uploads; a single part larger than
         * this still goes, alone.
         */
        @WithDefault("256M")
        MemorySize bytesInFlight();

        /** Attempts per file before it is quarantined. */
        @WithDefault("10")
        int maxAttempts();

        /** Delay before the first retry of a failed file; doubled per attempt, capped at retry-backoff-max. */
        @WithDefault("5s")
        Duration retryBackoff();

        /** Upper bound of the per-file retry delay. */
        @WithDefault("5m")
        Duration retryBackoffMax();

        /** Capacity of the queue between the stability gate and the uploader pool. */
        @WithDefault("10000")
        int queueCapacity();

        /**
         * How a file sent with one PutObject is proven stored before its post-action: {@code auto} accepts the
         * PutObject response when it echoes the CRC32C Chute computed and the startup probe
         * ({@code chute.s3.probe}) showed that the bucket's endpoint refuses a body whose CRC32C differs, and reads
         * the object back with HeadObject otherwise; {@code read-back} always reads it back. Multipart uploads
         * are always read back.
         */
        @WithDefault("auto")
        String verify();

        /**
         * Hard cap on upload bandwidth, shared by all rules and connections: {@code off}, or bytes per second with
         * the size suffixes K, M, G (powers of 1024), e.g. {@code 512K}, {@code 10M}; at least 1K.
         */
        @WithDefault("off")
        String bandwidth();

        /**
         * Daily timetable of bandwidth caps in local time, overriding bandwidth: space-separated {@code HH:MM,rate}
         * entries, e.g. {@code 08:00,10M 19:00,off}; the latest entry at or before the time of day applies, and
         * before the first entry the last one does (it wraps around midnight).
         */
        Optional<String> bandwidthSchedule();
    }

    interface Status {
        /**
         * Whether the management interface serves {@code GET /q/status}: it shows local paths, bucket names and
         * object keys to anyone who can reach the interface; false answers 404.
         */
        @WithDefault("true")
        boolean enabled();
    }

    interface Shutdown {
        /** How long SIGTERM waits for in-flight parts before exiting (uploads are resumed on next start). */
        @WithDefault("30s")
        Duration grace();
    }

    interface Janitor {
        /** An unreferenced upload of this installation older than this is aborted by the periodic sweep. */
        @WithDefault("24h")
        Duration orphanTtl();

        /** How often the periodic sweep runs (a sweep also runs at every start). */
        @WithDefault("1h")
        Duration interval();
    }

    interface Health {
        /**
         * How often each rule's bucket is probed (HeadBucket; a paused rule's probe write): what readiness reports
         * and what ends a rule's pause without an upload.
         */
        @WithDefault("30s")
        Duration bucketProbeInterval();
    }

    interface Watch {
        /** How often the stability gate re-examines files it is tracking. */
        @WithDefault("250ms")
        Duration stabilityTick();

        /** How often every rule's folder is rescanned in full (events are hints, scans are truth). */
        @WithDefault("5m")
        Duration rescanInterval();

        /**
         * Most files the stability gate tracks at once. Files seen beyond it stay on disk and their rule is
         * rescanned as soon as the gate is under half full, so memory does not grow with the backlog.
         */
        @WithDefault("10000")
        int maxTrackedFiles();
    }

    interface Rule {
        /** Unique rule name, used in logs, metrics and receipts. */
        String name();

        /** The watched drop folder. */
        Path path();

        /** Target bucket. */
        String bucket();

        /** Key prefix (default none); the object key is prefix + key template. */
        Optional<String> prefix();

        /** Key template; {path} is the file's path relative to the rule folder with '/' separators. */
        @WithDefault("{path}")
        String key();

        /** Whether sub-folders are watched too. */
        @WithDefault("true")
        boolean recursive();

        /** Glob patterns (relative path) a file must match to be uploaded; empty means all. */
        Optional<List<String>> include();

        /** Glob patterns (relative path) that exclude a file. */
        Optional<List<String>> exclude();

        /** A file is stable once size, mtime and file key stayed unchanged this long (Chute's clock). */
        @WithDefault("5s")
        Duration quietPeriod();

        /**
         * What proves a file complete when no marker is configured: {@code quiet-period} (the default) waits until
         * it stayed unchanged for the quiet period; {@code rename} declares that every writer of this folder writes
         * under a name the rule does not select (a temporary or hidden name, excluded by include/exclude) and
         * renames the finished file into place, so a file the rule sees is complete: it is uploaded at the first
         * stability tick that sees it, without a quiet period (one seen changing between two ticks still waits
         * until it is unchanged between two). Chute cannot check this: a writer that writes in place under a
         * selected name gets a partial file uploaded.
         */
        @WithDefault("quiet-period")
        Stability stability();

        /**
         * How files are discovered: {@code events} (inotify), {@code poll} (a scan every poll-interval; for NFS,
         * SMB, FUSE and macOS) or {@code auto} (events on local Linux file systems, poll elsewhere, and poll
         * whenever the inotify limits are hit).
         */
        @WithDefault("auto")
        WatchMode watchMode();

        /** How often a polled rule's folder is scanned. */
        @WithDefault("5s")
        Duration pollInterval();

        /**
         * Marker suffix (e.g. {@code .done} or {@code .ready}): {@code x} is uploaded once {@code x<marker>}
         * exists and {@code x} is unchanged between two observations; the quiet period does not apply. Markers
         * are never uploaded; they are deleted with their file by delete/move and kept by keep.
         */
        Optional<String> marker();

        /** A file still changing (or still waiting for its marker) after this long is reported as not stabilising. */
        @WithDefault("1h")
        Duration maxStabilize();

        /** Symbolic links: {@code skip}, or {@code follow-inside-root} (upload the target when it lies inside the folder). */
        @WithDefault("skip")
        Symlinks symlinks();

        /** What happens to the source after a verified upload: keep, delete or move. */
        @WithDefault("keep")
        AfterUpload afterUpload();

        /**
         * Destination folder for after-upload: move; may contain {yyyy} {MM} {dd} {HH}, the UTC date of the
         * move, e.g. {@code /archive/{yyyy}/{MM}/{dd}}.
         */
        Optional<Path> archiveDir();

        /** Attempts per file before it is quarantined; default chute.upload.max-attempts. */
        Optional<Integer> maxAttempts();

        /** Folder that receives files which exhausted their attempts, each with a .reason file. */
        Optional<Path> quarantineDir();

        /** Extra object metadata (x-amz-meta-*); values may use the key placeholders. */
        @WithName("metadata")
        Map<String, String> metadata();

        // --- target options: how the object is stored (see ObjectOptions in io.chute.multipart) ---

        /** Time the {yyyy} {MM} {dd} {HH} placeholders use (UTC): the file's {@code mtime} or the {@code upload} start. */
        @WithDefault("mtime")
        String keyTime();

        /** Storage class, e.g. STANDARD_IA or GLACIER_IR; empty leaves the bucket's default (STANDARD). */
        Optional<String> storageClass();

        /** Server-side encryption: none (the bucket default), aes256 (SSE-S3) or aws-kms (SSE-KMS). */
        @WithDefault("none")
        String sse();

        /** KMS key id or ARN for sse: aws-kms; empty uses the account's aws/s3 key. */
        Optional<String> kmsKeyId();

        /** Object tags (key: value). */
        @WithName("tags")
        Map<String, String> tags();

        /** Content-Type of every object; empty detects it from the file name (application/octet-stream if unknown). */
        Optional<String> contentType();

        /** Cache-Control of every object. */
        Optional<String> cacheControl();

        /** Canned ACL, e.g. bucket-owner-full-control; empty sends none (buckets with ACLs disabled refuse others). */
        Optional<String> acl();

        /** 12-digit account id the bucket must belong to; sent on every request so a hijacked bucket name fails. */
        Optional<String> expectedBucketOwner();

        /** Whether an existing object under the key may be replaced; false sends If-None-Match: * on writes. */
        @WithDefault("true")
        boolean overwrite();

        /** With overwrite false, what a different existing object means: quarantine the file, or suffix the key (-1, -2...). */
        @WithDefault("quarantine")
        String onConflict();

        /** This rule's overrides of the global {@code chute.s3} connection; unset fields use the global value. */
        S3Override s3();
    }

    /**
     * The connection settings a rule may override (see {@link S3Connection} for how they combine with
     * {@code chute.s3}); each has the meaning of the {@code chute.s3} property of the same name. Setting any of
     * access-key-id, secret-access-key, profile, role-arn, external-id or source-profile replaces all of them.
     */
    interface S3Override {
        /** Endpoint URL of this rule's store. */
        Optional<URI> endpoint();

        /** Region of this rule's store. */
        Optional<String> region();

        /** Path-style addressing for this rule's store. */
        Optional<Boolean> pathStyle();

        /** Named profile for this rule. */
        Optional<String> profile();

        /** Role this rule assumes. */
        Optional<String> roleArn();

        /** External id of this rule's role. */
        Optional<String> externalId();

        /** Session name of this rule's role. */
        Optional<String> roleSessionName();

        /** Session lifetime of this rule's role. */
        Optional<Duration> roleSessionDuration();

        /** Profile whose credentials assume this rule's role. */
        Optional<String> sourceProfile();

        /** STS endpoint for this rule's role. */
        Optional<URI> stsEndpoint();

        /** Static access key id for this rule. */
        Optional<String> accessKeyId();

        /** Static secret access key for this rule. */
        Optional<String> secretAccessKey();

        /** Accept any TLS certificate of this rule's endpoints (self-signed test stores only). */
        Optional<Boolean> trustAllCertificates();

        /** FULL_OBJECT CRC32C on this rule's multipart uploads. */
        Optional<Boolean> fullObjectChecksum();

        /** Largest number of parts of this rule's multipart uploads. */
        Optional<Integer> maxParts();
    }

    enum WatchMode {
        AUTO, EVENTS, POLL
    }

    /** What proves a file complete without a marker: see {@link Rule#stability()}. */
    enum Stability {
        QUIET_PERIOD, RENAME
    }

    enum Symlinks {
        SKIP, FOLLOW_INSIDE_ROOT
    }

    enum SidecarLocation {
        BESIDE, STATE_DIR
    }

    enum AfterUpload {
        KEEP, DELETE, MOVE
    }
}
