package io.chute.multipart;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The waiting side: a lowered gate admits nobody new until fewer than its limit are in flight; the byte budget
 * is never exceeded, and a body larger than the whole budget goes alone; every status the client reports is
 * classified once (503 and 429 are throttling, 500 overload, others neither).
 */
class FlowControlTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void loweredGate_admitsNoNewSenderUntilFewerThanTheLimitAreInFlight() throws Exception {
        AdaptiveGate gate = AdaptiveGate.of(4, true, Clock.systemUTC());
        for (int i = 0; i < 4; i++) {
            gate.acquire();
        }
        gate.overloaded();
        assertThat(gate.limit()).isEqualTo(2);
        CountDownLatch admitted = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                gate.acquire();
                admitted.countDown();
            } catch (InterruptedException ignored) {
                // test ends
            }
        });
        waiter.start();

        gate.release();
        gate.release();
        assertThat(admitted.await(200, TimeUnit.MILLISECONDS)).as("2 in flight, limit 2").isFalse();
        gate.release();
        assertThat(admitted.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(gate.highWater()).isEqualTo(4);
        waiter.join();
    }

    @Test
    void byteBudget_isNeverExceeded_byConcurrentSendersOfMixedSizes() throws Exception {
        ByteBudget budget = new ByteBudget(16 * MIB);
        AtomicLong holding = new AtomicLong();
        AtomicLong worst = new AtomicLong();
        ExecutorService senders = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long size = ThreadLocalRandom.current().nextLong(1, 9 * MIB);
            done.add(senders.submit(() -> {
                long held = budget.acquire(size);
                worst.accumulateAndGet(holding.addAndGet(held), Math::max);
                Thread.sleep(1);
                holding.addAndGet(-held);
                budget.release(held);
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        senders.shutdown();
        assertThat(worst.get()).isLessThanOrEqualTo(16 * MIB).isGreaterThan(9 * MIB);
        assertThat(budget.highWaterInBytes()).isLessThanOrEqualTo(16 * MIB);
    }

    @Test
    void bodyLargerThanTheBudget_goesAlone() throws Exception {
        ByteBudget budget = new ByteBudget(8 * MIB);
        long held = budget.acquire(20 * MIB);
        assertThat(held).isEqualTo(8 * MIB);
        CountDownLatch small = new CountDownLatch(1);
        Thread other = new Thread(() -> {
            try {
                budget.release(budget.acquire(1));
                small.countDown();
            } catch (InterruptedException ignored) {
                // test ends
            }
        });
        other.start();
        assertThat(small.await(200, TimeUnit.MILLISECONDS)).as("the big part holds the whole budget").isFalse();
        budget.release(held);
        assertThat(small.await(5, TimeUnit.SECONDS)).isTrue();
        other.join();
    }

    @Test
    void statuses_throttlingCountedAndLowersBothGates_otherErrorsDoNot() {
        Clock clock = Clock.systemUTC();
        FlowControl flow = new FlowControl(AdaptiveGate.of(8, true, clock), AdaptiveGate.of(4, true, clock),
                ByteBudget.unlimited());
        for (int status : new int[] {200, 204, 400, 403, 404, 409, 412}) {
            flow.responded(status);
        }
        assertThat(flow.parts().limit()).isEqualTo(8);
        assertThat(flow.files().limit()).isEqualTo(4);
        assertThat(flow.throttleResponses()).isZero();

        flow.responded(503);
        flow.responded(503);
        flow.responded(429);
        assertThat(flow.throttleResponses()).isEqualTo(3);
        assertThat(flow.parts().limit()).as("one burst, one decrease").isEqualTo(4);
        assertThat(flow.files().limit()).isEqualTo(2);
        assertThat(FlowControl.isOverload(500)).isTrue();
        assertThat(FlowControl.isThrottle(500)).isFalse();
    }

    @Test
    void permitOfAPart_holdsAGatePermitAndItsBytes_untilClosed() throws Exception {
        Clock clock = Clock.systemUTC();
        FlowControl flow = new FlowControl(AdaptiveGate.of(1, true, clock), AdaptiveGate.of(1, true, clock),
                new ByteBudget(6 * MIB));
        try (FlowControl.Permit permit = flow.sendPart(5 * MIB)) {
            permit.sent();
            assertThat(flow.bytes().highWaterInBytes()).isEqualTo(5 * MIB);
        }
        try (FlowControl.Permit again = flow.sendPart(5 * MIB)) {
            assertThat(flow.parts().highWater()).as("the first permit was given back").isEqualTo(1);
        }
    }
}
