package io.chute.upload;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    @Test
    void ceiling_doublesFromTheBase_andStopsAtTheMaximum() {
        Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5));
        assertThat(b.ceiling(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.ceiling(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.ceiling(4)).isEqualTo(Duration.ofSeconds(40));
        assertThat(b.ceiling(7)).isEqualTo(Duration.ofMinutes(5)); // 320 s capped
        assertThat(b.ceiling(1_000_000)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void delay_isAFullJitterDrawBetweenZeroAndTheCeiling() {
        AtomicLong askedBound = new AtomicLong();
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), bound -> {
            askedBound.set(bound);
            return bound / 3;
        });
        assertThat(b.delay(3)).isEqualTo(Duration.ofMillis(133));
        assertThat(askedBound.get()).isEqualTo(400);
    }

    @Test
    void filesFailingTogether_doNotRetryTogether() {
        Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5));
        Set<Duration> delays = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            Duration d = b.delay(3);
            assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(20));
            delays.add(d);
        }
        assertThat(delays).as("50 draws over 20,001 possible delays").hasSizeGreaterThan(40);
    }

    @Test
    void nonsensicalBounds_areRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
