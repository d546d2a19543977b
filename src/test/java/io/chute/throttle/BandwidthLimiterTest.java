package io.chute.throttle;

import io.chute.config.BandwidthSchedule;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The token bucket behind the bandwidth cap, on a fake clock that moves only when the limiter sleeps: how long
 * it makes readers wait, that the cap holds over every interval, that a timetable's change of rate applies
 * without a restart, that {@code off} costs no wait, and (on the real clock) that a waiting reader ends at once
 * when interrupted and that parallel readers share the rate.
 */
class BandwidthLimiterTest {

    static final long K = 1024;
    static final long M = K * K;
    static final int CHUNK = 64 * 1024;

    private static BandwidthSchedule timetable(String entries) {
        return BandwidthSchedule.from(TestConfig.of(Map.of("chute.daemon", "false",
                "chute.upload.bandwidth-schedule", entries)).upload());
    }

    private static void acquire(BandwidthLimiter limiter, long bytes) throws InterruptedIOException {
        for (long left = bytes; left > 0; left -= CHUNK) {
            limiter.acquire(Math.min(CHUNK, left));
        }
    }

    @Test
    void afterTheInitialBurst_readersWaitBytesOverRate() throws Exception {
        FakeTime time = FakeTime.at("2026-11-23T12:00:00Z");
        long rate = 2 * M;
        BandwidthLimiter limiter = new BandwidthLimiter(BandwidthSchedule.constant(rate), time, time);

        acquire(limiter, BandwidthLimiter.burst(rate));
        assertThat(time.sleptNanos()).as("a full bucket lets the first burst through").isZero();

        acquire(limiter, 10 * M);
        assertThat(time.sleptNanos() / 1e9).isCloseTo(5.0, within(0.01));
        assertThat(limiter.throttledSeconds()).isCloseTo(5.0, within(0.01));
    }

    @Test
    void overEveryInterval_bytesReleasedStayWithinBurstPlusRateTimesElapsed() throws Exception {
        FakeTime time = FakeTime.at("2026-11-23T12:00:00Z");
        long rate = 3 * M;
        long burst = BandwidthLimiter.burst(rate);
        BandwidthLimiter limiter = new BandwidthLimiter(BandwidthSchedule.constant(rate), time, time);
        Random sizes = new Random(42);
        int n = 2000;
        double[] at = new double[n];
        long[] released = new long[n];
        long total = 0;

        for (int i = 0; i < n; i++) {
            int bytes = 1 + sizes.nextInt(CHUNK);
            limiter.acquire(bytes);
            total += bytes;
            at[i] = time.seconds();
            released[i] = total;
        }

        for (int i = 0; i < n; i += 7) {
            for (int j = i + 1; j < n; j += 13) {
                long bytes = released[j] - released[i];
                assertThat((double) bytes).isLessThanOrEqualTo(burst + rate * (at[j] - at[i]) + 1);
            }
        }
        assertThat(total / (at[n - 1] - at[0])).as("long-run rate").isCloseTo(rate, within(rate * 0.02));
    }

    @Test
    void aChangeOfRateInTheTimetable_appliesWithinASecond_withoutRestart() throws Exception {
        FakeTime time = FakeTime.at("2026-11-23T08:59:58Z");
        BandwidthLimiter limiter = new BandwidthLimiter(timetable("08:00,1M 09:00,4M"), time, time);
        double change = 2.0 + time.seconds(); // 09:00:00 on the ticker
        long before = 0;
        long after = 0;

        while (time.seconds() < change + 3) {
            limiter.acquire(CHUNK);
            double t = time.seconds();
            if (t > change - 1.5 && t <= change - 0.5) {
                before += CHUNK;
            } else if (t > change + 1 && t <= change + 3) {
                after += CHUNK;
            }
        }

        assertThat((double) before).as("08:59:58.5 to 08:59:59.5 at 1M").isCloseTo(M, within(0.1 * M));
        assertThat((double) after).as("09:00:01 to 09:00:03 at 4M").isCloseTo(8 * M, within(0.1 * 8 * M));
        assertThat(limiter.limitBytesPerSecond()).isEqualTo(4 * M);
    }

    @Test
    void whileTheTimetableSaysOff_readsNeverWait_andTheCapReturnsOnSchedule() throws Exception {
        FakeTime time = FakeTime.at("2026-11-23T11:00:00Z");
        BandwidthLimiter limiter = new BandwidthLimiter(timetable("00:00,off 12:00,1M"), time, time);

        acquire(limiter, 500 * M);
        assertThat(time.sleptNanos()).isZero();
        assertThat(limiter.limitBytesPerSecond()).isZero();

        time.advance(Duration.ofHours(1));
        acquire(limiter, 3 * M);
        assertThat(limiter.limitBytesPerSecond()).isEqualTo(M);
        assertThat(time.sleptNanos() / 1e9).as("3M at 1M/s after a full bucket").isCloseTo(2.9, within(0.05));
    }

    @Test
    void capOffAllDay_passesBodiesThroughUntouched() throws Exception {
        InputStream body = new ByteArrayInputStream(new byte[10]);
        BandwidthLimiter off = BandwidthLimiter.of(BandwidthSchedule.constant(BandwidthSchedule.UNLIMITED),
                Clock.systemUTC());

        assertThat(off).isSameAs(BandwidthLimiter.UNLIMITED);
        assertThat(off.throttle(body)).isSameAs(body);
        assertThat(BandwidthLimiter.of(timetable("08:00,off 20:00,off"), Clock.systemUTC())).isSameAs(off);
        off.acquire(Long.MAX_VALUE);
        assertThat(off.limitBytesPerSecond()).isZero();
    }

    @Test
    void throttledBodyReads_areASixteenthOfTheRate_from512BytesTo64KiB() throws Exception {
        FakeTime time = FakeTime.at("2026-11-23T12:00:00Z");

        assertThat(largestRead(time, 4 * M)).isEqualTo(64 * K);
        assertThat(largestRead(time, 64 * K)).isEqualTo(4 * K);
        assertThat(largestRead(time, K)).isEqualTo(512);
    }

    private static int largestRead(FakeTime time, long rate) throws Exception {
        BandwidthLimiter limiter = new BandwidthLimiter(BandwidthSchedule.constant(rate), time, time);
        int largest = 0;
        try (InputStream in = limiter.throttle(new ByteArrayInputStream(new byte[(int) (2 * BandwidthLimiter.burst(rate))]))) {
            byte[] buffer = new byte[(int) M];
            int n;
            while ((n = in.read(buffer)) > 0) {
                largest = Math.max(largest, n);
            }
        }
        return largest;
    }

    @Test
    void throttledBody_takesEveryByteItReturns_andKeepsTheContent() throws Exception {
        FakeTime time = FakeTime.at("2026-11-23T12:00:00Z");
        long rate = 256 * K;
        BandwidthLimiter limiter = new BandwidthLimiter(BandwidthSchedule.constant(rate), time, time);
        byte[] data = new byte[(int) M];
        new Random(7).nextBytes(data);
        byte[] copy = new byte[data.length];
        int largestRead = 0;

        try (InputStream in = limiter.throttle(new ByteArrayInputStream(data))) {
            int at = 0;
            int n;
            while ((n = in.read(copy, at, Math.min(copy.length - at, 1024 * 1024))) > 0) {
                largestRead = Math.max(largestRead, n);
                at += n;
            }
            assertThat(at).isEqualTo(data.length);
        }

        assertThat(copy).isEqualTo(data);
        assertThat(largestRead).isEqualTo(16 * 1024);
        assertThat(time.sleptNanos() / 1e9).as("(1M - 64K burst) at 256K/s").isCloseTo(3.75, within(0.01));
    }

    @Test
    void aReaderWaitingForBandwidth_endsPromptlyWhenInterrupted_withInterruptedIOException() throws Exception {
        BandwidthLimiter limiter = BandwidthLimiter.of(BandwidthSchedule.constant(K), Clock.systemUTC());
        limiter.acquire(BandwidthLimiter.burst(K)); // empty bucket: the next 64K take 64 s at 1K/s
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            try {
                limiter.acquire(CHUNK);
            } catch (Throwable t) {
                thrown.set(t);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        reader.start();
        awaitBlocked(reader); // waiting for bandwidth

        reader.interrupt();
        reader.join(2_000);

        assertThat(reader.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedIOException.class);
        assertThat(stillInterrupted).isTrue();
    }

    @Test
    void aReaderQueuedBehindAnotherWaitingReader_alsoEndsPromptlyWhenInterrupted() throws Exception {
        BandwidthLimiter limiter = BandwidthLimiter.of(BandwidthSchedule.constant(K), Clock.systemUTC());
        limiter.acquire(BandwidthLimiter.burst(K));
        Thread head = new Thread(() -> {
            try {
                limiter.acquire(CHUNK);
            } catch (InterruptedIOException expected) {
                // the test ends it
            }
        });
        head.start();
        awaitBlocked(head);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread queued = new Thread(() -> {
            try {
                limiter.acquire(CHUNK);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        queued.start();
        awaitBlocked(queued);

        queued.interrupt();
        queued.join(2_000);
        head.interrupt();
        head.join(2_000);

        assertThat(queued.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedIOException.class);
        assertThat(head.isAlive()).isFalse();
    }

    /** Waits until {@code t} is parked or blocked in the limiter (positive evidence that it waits, not a sleep). */
    private static void awaitBlocked(Thread t) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .pollInterval(java.time.Duration.ofMillis(10)).until(() -> {
                    Thread.State state = t.getState();
                    return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING
                            || state == Thread.State.BLOCKED;
                });
        assertThat(t.isAlive()).as("waiting for bandwidth").isTrue();
    }

    @Test
    void parallelReaders_shareTheRateAboutEqually() throws Exception {
        BandwidthLimiter limiter = BandwidthLimiter.of(BandwidthSchedule.constant(4 * M), Clock.systemUTC());
        int readers = 4;
        AtomicLong[] taken = new AtomicLong[readers];
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] threads = new Thread[readers];
        for (int i = 0; i < readers; i++) {
            AtomicLong mine = taken[i] = new AtomicLong();
            threads[i] = new Thread(() -> {
                try {
                    start.await();
                    while (!stop.get()) {
                        limiter.acquire(CHUNK);
                        mine.addAndGet(CHUNK);
                    }
                } catch (InterruptedException | InterruptedIOException e) {
                    Thread.currentThread().interrupt();
                }
            });
            threads[i].start();
        }

        start.countDown();
        TimeUnit.MILLISECONDS.sleep(2_000);
        stop.set(true);
        for (Thread t : threads) {
            t.join(2_000);
        }

        long total = 0;
        for (AtomicLong a : taken) {
            total += a.get();
        }
        for (AtomicLong a : taken) {
            assertThat((double) a.get() / total).as("share of one of %d readers", readers)
                    .isCloseTo(1.0 / readers, within(0.1));
        }
    }
}
