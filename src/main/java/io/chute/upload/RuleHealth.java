package io.chute.upload;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rule-wide failures (bucket missing, access denied, bad credentials, a feature the store does not implement): a
 * failing rule is paused with an exponential, jittered {@link Backoff} and reported DOWN by readiness until an
 * upload for it succeeds again, or, for the failures a HeadBucket can vouch for, the periodic bucket probe does.
 * A store that does not implement what the rule asks for does not change by itself (the operator changes the
 * rule and restarts), so its pauses are long: one file tries again every 5 to 60 minutes. A store that accepts
 * a rule's SSE but stores objects without it is worse, since uploads would succeed: that rule uploads nothing
 * until restart ({@link #refusedUntilRestart}). Thread-safe.
 */
public final class RuleHealth {

    /**
     * Equal jitter (half the ceiling plus a uniform draw up to the other half): a pause is a pause. Full jitter
     * could draw a pause of a few milliseconds, and every file of the paused rule would send its request again.
     */
    static final Backoff PAUSES = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(2), RuleHealth::equalJitter);
    static final Backoff UNSUPPORTED_PAUSES = new Backoff(Duration.ofMinutes(5), Duration.ofHours(1),
            RuleHealth::equalJitter);

    static long equalJitter(long bound) {
        return bound / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(bound / 2 + 1);
    }
    /**
     * What a successful HeadBucket proves works again: the bucket, the credentials, the network. Not a write
     * refused with 403: HeadBucket needs only s3:ListBucket, so it succeeds while PutObject is still denied.
     */
    private static final java.util.Set<String> PROBE_VOUCHES_FOR = java.util.Set.of(FailureReason.NO_SUCH_BUCKET.tag(),
            FailureReason.CREDENTIALS.tag(), FailureReason.NETWORK.tag());

    /**
     * Why a rule is paused and until when; {@code fromProbe} when every failure so far was the HeadBucket probe's
     * own (then its success ends the pause, whatever the reason).
     */
    public record Failing(String reason, String detail, Instant since, Instant pausedUntil, int failures,
                          boolean fromProbe) {
    }

    private final Clock clock;
    private final Backoff pauses;
    private final Map<String, Failing> failing = new ConcurrentHashMap<>();
    /** Rules that must not upload until restart ({@link #refusedUntilRestart}); they shadow {@link #failing}. */
    private final Map<String, Failing> refused = new ConcurrentHashMap<>();

    public RuleHealth(Clock clock) {
        this(clock, PAUSES);
    }

    /** With another pause policy for rule-wide failures (tests that need a pause of a known length). */
    RuleHealth(Clock clock, Backoff pauses) {
        this.clock = clock;
        this.pauses = pauses;
    }

    /**
     * Records a rule-wide failure of an upload's request (a write, or the reads that verify it); returns how long
     * the rule's files should wait before the next try. Only a successful write ends it ({@link #succeeded},
     * {@link #writeProbeSucceeded}), or HeadBucket for the failures it vouches for.
     */
    public Duration failed(String rule, FailureReason reason, String detail) {
        return record(rule, reason, detail, false);
    }

    /** Records a failure of the periodic HeadBucket probe itself; its next success ends the pause. */
    public Duration probeFailed(String rule, FailureReason reason, String detail) {
        return record(rule, reason, detail, true);
    }

    private Duration record(String rule, FailureReason reason, String detail, boolean probe) {
        Instant now = clock.instant();
        Failing next = failing.compute(rule, (k, old) -> {
            int failures = old == null ? 1 : old.failures() + 1;
            Duration pause = (reason == FailureReason.STORE_UNSUPPORTED ? UNSUPPORTED_PAUSES : pauses).delay(failures);
            boolean fromProbe = probe && (old == null || old.fromProbe());
            return new Failing(reason.tag(), old != null && !old.fromProbe() && probe ? old.detail() : detail,
                    old == null ? now : old.since(), now.plus(pause), failures, fromProbe);
        });
        return Duration.between(now, next.pausedUntil());
    }

    /**
     * The rule must not upload at all until Chute restarts with another configuration (or against a store that
     * changed): the store accepts what the rule asks for but does not do it (SSE requested, the object stored
     * without it), so an upload would succeed and no success, HeadBucket or probe write can prove the cause gone.
     * Its files wait without a request, asking again once per longest store-unsupported pause (1 h); {@code
     * pausedUntil} reads {@link Instant#MAX}.
     */
    public void refusedUntilRestart(String rule, FailureReason reason, String detail) {
        refused.put(rule, new Failing(reason.tag(), detail, clock.instant(), Instant.MAX, 1, false));
    }

    public void succeeded(String rule) {
        failing.remove(rule);
    }

    /**
     * The periodic HeadBucket of the rule succeeded: ends a pause the probe itself recorded, or one for a failure
     * it vouches for (bucket, credentials, network), not one it says nothing about (a write refused with 403, a
     * refused header, KMS, the drop folder).
     */
    public void probeSucceeded(String rule) {
        failing.computeIfPresent(rule, (k, f) -> f.fromProbe() || PROBE_VOUCHES_FOR.contains(f.reason()) ? null : f);
    }

    /**
     * A probe write with the rule's own object options succeeded: ends any pause but one for something the store
     * does not implement (which may be about multipart or checksums, which the probe write does not use).
     */
    public void writeProbeSucceeded(String rule) {
        failing.computeIfPresent(rule, (k, f) -> FailureReason.STORE_UNSUPPORTED.tag().equals(f.reason()) ? f : null);
    }

    /** A rule's current pause: why, and how much longer. */
    public record Pause(Failing failing, Duration remaining) {
    }

    /** The rule's pause, if it is paused now (one read, so the answer is consistent). */
    public Optional<Pause> pausedFor(String rule) {
        Failing refusal = refused.get(rule);
        if (refusal != null) {
            return Optional.of(new Pause(refusal, UNSUPPORTED_PAUSES.max()));
        }
        Instant now = clock.instant();
        return failing(rule).filter(f -> f.pausedUntil().isAfter(now))
                .map(f -> new Pause(f, Duration.between(now, f.pausedUntil())));
    }

    public Optional<Failing> failing(String rule) {
        return Optional.ofNullable(refused.getOrDefault(rule, failing.get(rule)));
    }

    public Map<String, Failing> allFailing() {
        Map<String, Failing> all = new java.util.HashMap<>(failing);
        all.putAll(refused);
        return Map.copyOf(all);
    }
}
