package io.chute.config;

import io.chute.config.ChuteConfig.AfterUpload;
import io.chute.config.ChuteConfig.Rule;

import java.net.URI;
import java.nio.file.FileSystems;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks what the types of {@link ChuteConfig} cannot: ranges, cross-property rules and the file system (by
 * real paths, see {@link FolderChecks}). Returns every problem at once, each starting with its property path, so
 * an operator fixes them in one go; {@link ConfigRefusal} adds the values that did not even convert.
 */
public final class ConfigValidator {

    static final long MIN_PART_BYTES = 5L * 1024 * 1024;
    static final long MAX_PART_BYTES = 5L * 1024 * 1024 * 1024;
    static final long MAX_BYTES_IN_FLIGHT = 1024L * 1024 * 1024 * 1024;
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
    /** Placeholders a key template may use; see {@code io.chute.upload.ObjectKeyResolver}. */
    public static final Set<String> KEY_PLACEHOLDERS =
            Set.of("path", "name", "stem", "ext", "rule", "yyyy", "MM", "dd", "HH", "hostname");

    private static final List<String> ARCHIVE_PLACEHOLDERS = List.of("yyyy", "MM", "dd", "HH");
    /**
     * The shortest quiet period accepted where the quiet period decides that a file is complete. Below it (and
     * below the stability tick, which is how often the gate looks) a file still being written passes as stable.
     */
    static final Duration MIN_QUIET_PERIOD = Duration.ofMillis(100);

    private final List<String> errors = new ArrayList<>();

    private ConfigValidator() {
    }

    /** Returns the problems found, empty when the configuration is valid. */
    public static List<String> validate(ChuteConfig config) {
        ConfigValidator v = new ConfigValidator();
        v.checkS3("chute.s3", S3Connection.of(config.s3()));
        v.checkUpload(config.upload());
        v.positive("chute.watch.max-tracked-files", config.watch().maxTrackedFiles());
        Duration probeEvery = config.health().bucketProbeInterval();
        if (probeEvery.compareTo(Duration.ofSeconds(1)) < 0) {
            v.error("chute.health.bucket-probe-interval", "must be at least 1s, was " + probeEvery.toMillis() + "ms");
        }
        if (config.daemon() && config.rules().isEmpty()) {
            v.error("chute.rules", "at least one rule is required to run the daemon");
        }
        Set<String> names = new HashSet<>();
        Duration quietFloor = max(MIN_QUIET_PERIOD, config.watch().stabilityTick());
        for (int i = 0; i < config.rules().size(); i++) {
            v.checkRule("chute.rules[" + i + "]", config.rules().get(i), names, quietFloor);
            v.checkRuleS3("chute.rules[" + i + "].s3", config.s3(), config.rules().get(i).s3());
        }
        FolderChecks.check(config, v::error);
        return List.copyOf(v.errors);
    }

    private void checkS3(String at, S3Connection s3) {
        s3.endpoint().ifPresent(uri -> checkEndpoint(at + ".endpoint", uri));
        if (s3.region().isBlank()) {
            error(at + ".region", "must not be empty");
        }
        if (s3.accessKeyId().isPresent() != s3.secretAccessKey().isPresent()) {
            error(at + ".access-key-id", "access-key-id and secret-access-key must be given together");
        }
        if (s3.maxParts() < 1 || s3.maxParts() > 10_000) {
            error(at + ".max-parts", "must be between 1 and 10000, was " + s3.maxParts());
        }
        if (s3.maxConnections() < 1) {
            error(at + ".max-connections", "must be at least 1, was " + s3.maxConnections());
        }
        if (s3.apiCallAttemptTimeout().isNegative()) {
            error(at + ".api-call-attempt-timeout", "must be positive");
        }
        TargetChecks.checkCredentials(at, s3, this::error);
    }

    /**
     * An endpoint is scheme, host and port only: the SDK puts the bucket (path style) or nothing after it, so a
     * path, query or fragment would silently become part of every request and fail per file much later.
     */
    private void checkEndpoint(String at, URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            error(at, "'" + uri + "' is not an http(s) URL with a host; accepted: http://HOST[:PORT] or"
                    + " https://HOST[:PORT]");
            return;
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || uri.getRawQuery() != null
                || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            error(at, "'" + uri + "' has a path, query, fragment or user info; give scheme, host and port only"
                    + " (e.g. " + scheme + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + "), the bucket goes in the rule");
        }
    }

    /**
     * The same checks on a rule's effective connection, reported under the rule's path; problems the global
     * connection already has (inherited, not the rule's doing) are reported once, under {@code chute.s3}.
     */
    private void checkRuleS3(String at, ChuteConfig.S3Settings global, ChuteConfig.S3Override overrides) {
        ConfigValidator inherited = new ConfigValidator();
        inherited.checkS3(at, S3Connection.of(global));
        ConfigValidator effective = new ConfigValidator();
        effective.checkS3(at, S3Connection.of(global, overrides));
        effective.errors.stream().filter(e -> !inherited.errors.contains(e)).forEach(errors::add);
    }

    private void checkUpload(ChuteConfig.Upload upload) {
        upload.workers().ifPresent(n -> positive("chute.upload.workers", n));
        upload.partsInFlight().ifPresent(n -> positive("chute.upload.parts-in-flight", n));
        positive("chute.upload.max-attempts", upload.maxAttempts());
        positive("chute.upload.queue-capacity", upload.queueCapacity());
        upload.partSize().ifPresent(size -> {
            if (size.asLongValue() < MIN_PART_BYTES || size.asLongValue() > MAX_PART_BYTES) {
                error("chute.upload.part-size", "must be between 5M and 5G, was " + size.asLongValue() + " bytes");
            }
        });
        if (upload.multipartThreshold().asLongValue() < MIN_PART_BYTES) {
            error("chute.upload.multipart-threshold", "must be at least 5M (the smallest multipart part)");
        }
        checkBytesInFlight(upload);
        if (upload.retryBackoff().isNegative() || upload.retryBackoff().isZero()) {
            error("chute.upload.retry-backoff", "must be positive");
        } else if (upload.retryBackoffMax().compareTo(upload.retryBackoff()) < 0) {
            error("chute.upload.retry-backoff-max", "must be at least chute.upload.retry-backoff ("
                    + upload.retryBackoff() + "), was " + upload.retryBackoffMax());
        }
        if (!VERIFY_MODES.contains(upload.verify())) {
            error("chute.upload.verify", "must be one of " + String.join(", ", VERIFY_MODES) + ", was '"
                    + upload.verify() + "'");
        }
        BandwidthSchedule.parse(upload.bandwidth(), upload.bandwidthSchedule(), this::error);
    }

    /** HTTP token characters (RFC 9110), the only ones a header name may hold. */
    private static final Pattern METADATA_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

    /** Values of {@code chute.upload.verify}. */
    public static final List<String> VERIFY_MODES = List.of("auto", "read-back");

    /** The budget must hold at least one smallest part, and one configured part so parts can run side by side. */
    private void checkBytesInFlight(ChuteConfig.Upload upload) {
        long budget = upload.bytesInFlight().asLongValue();
        if (budget < MIN_PART_BYTES) {
            error("chute.upload.bytes-in-flight", "must be at least 5M (the smallest multipart part), was "
                    + budget + " bytes");
        } else if (budget > MAX_BYTES_IN_FLIGHT) {
            error("chute.upload.bytes-in-flight", "must be at most 1T, was " + budget + " bytes");
        } else {
            upload.partSize().filter(size -> size.asLongValue() > budget).ifPresent(size ->
                    error("chute.upload.bytes-in-flight", "must be at least chute.upload.part-size ("
                            + size.asLongValue() + " bytes), or every part would be sent alone; was " + budget + " bytes"));
        }
    }

    private void checkRule(String at, Rule rule, Set<String> names, Duration quietFloor) {
        if (rule.name().isBlank()) {
            error(at + ".name", "must not be empty");
        } else if (!names.add(rule.name())) {
            error(at + ".name", "duplicate rule name '" + rule.name() + "'");
        }
        if (!BUCKET.matcher(rule.bucket()).matches()) {
            error(at + ".bucket", "'" + rule.bucket() + "' is not a valid bucket name (3-63 of a-z 0-9 . -)");
        }
        rule.prefix().ifPresent(prefix -> checkPrefix(at + ".prefix", prefix));
        checkKeyTemplate(at + ".key", rule.key());
        rule.metadata().forEach((name, value) -> {
            checkPlaceholders(at + ".metadata." + name, value);
            checkMetadata(at + ".metadata." + name, name, value);
        });
        TargetChecks.check(at, rule, this::error);
        checkQuietPeriod(at + ".quiet-period", rule, quietFloor);
        rule.maxAttempts().ifPresent(n -> positive(at + ".max-attempts", n));
        if (rule.pollInterval().isNegative() || rule.pollInterval().isZero()) {
            error(at + ".poll-interval", "must be positive");
        }
        if (rule.maxStabilize().isNegative() || rule.maxStabilize().isZero()) {
            error(at + ".max-stabilize", "must be positive");
        }
        rule.marker().ifPresent(marker -> {
            if (!marker.matches("\\.[A-Za-z0-9_-]+")) {
                error(at + ".marker", "'" + marker + "' must be a suffix like .done or .ready");
            }
        });
        if (rule.marker().isPresent() && rule.stability() == ChuteConfig.Stability.RENAME) {
            error(at + ".stability", "rename cannot be combined with a marker (the marker proves a file complete)");
        }
        rule.archiveDir().ifPresent(dir -> checkArchivePlaceholders(at + ".archive-dir", dir.toString()));
        rule.include().ifPresent(globs -> checkGlobs(at + ".include", globs));
        rule.exclude().ifPresent(globs -> checkGlobs(at + ".exclude", globs));
        if (rule.afterUpload() == AfterUpload.MOVE && rule.archiveDir().isEmpty()) {
            error(at + ".archive-dir", "is required when after-upload is move");
        }
    }

    /**
     * Whether the quiet period decides that a file of this rule is complete. Marker mode waits for the marker
     * instead; another stability mode that does not rest on the quiet period is one more condition here.
     */
    static boolean quietPeriodApplies(Rule rule) {
        return rule.marker().filter(m -> !m.isBlank()).isEmpty();
    }

    private void checkQuietPeriod(String at, Rule rule, Duration floor) {
        Duration quiet = rule.quietPeriod();
        if (quiet.isNegative()) {
            error(at, "must not be negative, was " + quiet);
        } else if (quietPeriodApplies(rule) && quiet.compareTo(floor) < 0) {
            error(at, "must be at least " + floor.toMillis() + "ms (and at least chute.watch.stability-tick), was "
                    + quiet.toMillis() + "ms: a file still being written would pass as complete; set a marker"
                    + " (e.g. marker: .done) to upload on the writer's signal instead");
        }
    }

    /**
     * A prefix is joined to the key as it is: a leading '/' or an empty, '.' or '..' name makes keys that S3
     * stores verbatim but that file-system-like clients and sync tools resolve differently, or refuse.
     */
    private void checkPrefix(String at, String prefix) {
        if (prefix.startsWith("/")) {
            error(at, "'" + prefix + "' must not start with '/' (S3 keys are relative; '/in/' makes keys with an"
                    + " empty first name)");
            return;
        }
        String body = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (prefix.isEmpty()) {
            return;
        }
        for (String name : body.split("/", -1)) {
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                error(at, "'" + prefix + "' has an empty, '.' or '..' name; accepted: names separated by single"
                        + " '/', e.g. incoming/ or site-a/raw/");
                return;
            }
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private void checkKeyTemplate(String at, String template) {
        if (template.isBlank()) {
            error(at, "must not be empty");
        }
        checkPlaceholders(at, template);
    }

    /**
     * A metadata name becomes part of a header name (x-amz-meta-NAME): HTTP token characters only. A value may hold
     * any printable text (non-ASCII is sent as an RFC 2047 encoded word) but no control character, which no header
     * can carry; values made by placeholders are checked again per file.
     */
    private void checkMetadata(String at, String name, String value) {
        if (!METADATA_NAME.matcher(name).matches()) {
            error(at, "'" + name + "' is not a valid metadata name: use letters, digits and !#$%&'*+-.^_`|~ only"
                    + " (it becomes the header x-amz-meta-" + name + ")");
        }
        value.chars().filter(Character::isISOControl).findFirst().ifPresent(c ->
                error(at, "contains the control character " + String.format("U+%04X", c)
                        + ", which no HTTP header can carry"));
    }

    /** Reports every {placeholder} of {@code template} that is not one of {@link #KEY_PLACEHOLDERS}. */
    private void checkPlaceholders(String at, String template) {
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            if (!KEY_PLACEHOLDERS.contains(m.group(1))) {
                error(at, "unknown placeholder {" + m.group(1) + "}; known: " + new java.util.TreeSet<>(KEY_PLACEHOLDERS));
            }
        }
    }

    private void checkArchivePlaceholders(String at, String dir) {
        Matcher m = PLACEHOLDER.matcher(dir);
        while (m.find()) {
            if (!ARCHIVE_PLACEHOLDERS.contains(m.group(1))) {
                error(at, "unknown placeholder {" + m.group(1) + "}; known: " + ARCHIVE_PLACEHOLDERS);
            }
        }
    }

    private void checkGlobs(String at, List<String> globs) {
        for (String glob : globs) {
            try {
                FileSystems.getDefault().getPathMatcher("glob:" + glob);
            } catch (RuntimeException e) {
                error(at, "invalid glob '" + glob + "': " + e.getMessage());
            }
        }
    }

    private void positive(String at, long value) {
        if (value < 1) {
            error(at, "must be at least 1, was " + value);
        }
    }

    private void error(String property, String message) {
        errors.add(property + ": " + message);
    }
}
