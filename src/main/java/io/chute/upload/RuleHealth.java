package io.chute.upload;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rule-wide failures (bucket missing, access denied, bad credentials): a failing rule is paused with an
 * exponential, jittered {@link Backoff} and reported DOWN by readiness until an upload for it succeeds again.
 * Thread-safe.
 */
public final class RuleHealth {

    static final Backoff PAUSES = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(2));

    /** Why a rule is paused and until when. */
    public record Failing(String reason, String detail, Instant since, Instant pausedUntil, int failures) {
    }

    private final Clock clock;
    private final Map<String, Failing> failing = new ConcurrentHashMap<>();

    public RuleHealth(Clock clock) {
        this.clock = clock;
    }

    /** Records a rule-wide failure; returns how long the rule's files should wait before the next try. */
    public Duration failed(String rule, FailureReason reason, String detail) {
        Instant now = clock.instant();
        Failing next = failing.compute(rule, (k, old) -> {
            int failures = old == null ? 1 : old.failures() + 1;
            Duration pause = PAUSES.delay(failures);
            return new Failing(reason.tag(), detail, old == null ? now : old.since(), now.plus(pause), failures);
        });
        return Duration.between(now, next.pausedUntil());
    }

    public void succeeded(String rule) {
        failing.remove(rule);
    }

    /** A rule's current pause: why, and how much longer. */
    public record Pause(Failing failing, Duration remaining) {
    }

    /** The rule's pause, if it is paused now (one read, so the answer is consistent). */
    public Optional<Pause> pausedFor(String rule) {
        Instant now = clock.instant();
        return failing(rule).filter(f -> f.pausedUntil().isAfter(now))
                .map(f -> new Pause(f, Duration.between(now, f.pausedUntil())));
    }

    public Optional<Failing> failing(String rule) {
        return Optional.ofNullable(failing.get(rule));
    }

    public Map<String, Failing> allFailing() {
        return Map.copyOf(failing);
    }
}
