package io.chute.engine;

import io.chute.multipart.FlowControl;
import io.chute.multipart.TransferListener;
import io.chute.observability.ChuteMetrics;
import io.chute.queue.UploadQueue;
import io.chute.testing.TestConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@link UploadEngine} wires {@code chute.upload.adaptive}, {@code workers}, {@code parts-in-flight} and
 * {@code bytes-in-flight} into each lane's flow control, and what {@link ChuteMetrics} exports of it. No request
 * is sent: the lane is told the statuses its client would report.
 */
class UploadEngineFlowTest {

    @TempDir
    Path tmp;

    private UploadEngine engine(boolean adaptive) throws Exception {
        return engine(adaptive, true);
    }

    private UploadEngine engine(boolean adaptive, boolean explicitLimits) throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("chute.daemon", "false");
        p.put("chute.state-dir", tmp.resolve("state").toString());
        p.put("chute.s3.endpoint", "http://127.0.0.1:9");
        p.put("chute.s3.access-key-id", "AKIDEXAMPLE");
        p.put("chute.s3.secret-access-key", "secret");
        if (explicitLimits) {
            p.put("chute.upload.workers", "6");
            p.put("chute.upload.parts-in-flight", "10");
        }
        p.put("chute.upload.bytes-in-flight", "64M");
        p.put("chute.upload.adaptive", String.valueOf(adaptive));
        return UploadEngine.open(TestConfig.of(p), TransferListener.NONE, Clock.systemUTC());
    }

    @Test
    void adaptiveLane_startsAtEightOrTheConfiguredCeiling_halvesOnSlowDown_andExportsLimitsAndThrottles()
            throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ChuteMetrics metrics = new ChuteMetrics(registry, new UploadQueue(10, Clock.systemUTC()));
        try (UploadEngine engine = engine(true)) {
            FlowControl flow = engine.lanes().iterator().next().flow();
            metrics.watch("http://127.0.0.1:9", List.of(flow));
            assertThat(flow.parts().limit()).isEqualTo(8);
            assertThat(flow.parts().max()).isEqualTo(10);
            assertThat(flow.files().limit()).isEqualTo(6);
            assertThat(flow.files().max()).isEqualTo(6);
            assertThat(engine.fileSlots()).as("one uploader thread per file the lane may have in flight").isEqualTo(6);
            assertThat(flow.bytes().budgetInBytes()).isEqualTo(64L * 1024 * 1024);

            flow.responded(503);
            flow.responded(200);

            assertThat(registry.get(ChuteMetrics.PARTS_IN_FLIGHT_LIMIT).tag("endpoint", "http://127.0.0.1:9")
                    .gauge().value()).isEqualTo(4.0);
            assertThat(registry.get(ChuteMetrics.FILES_IN_FLIGHT_LIMIT).gauge().value()).isEqualTo(3.0);
            assertThat(registry.get(ChuteMetrics.THROTTLE_RESPONSES).functionCounter().count()).isEqualTo(1.0);
        }
    }

    @Test
    void byDefault_ceilingsComeFromThePoolAndTheBudget_andThePoolOfUploadersMatchesTheFilesCeiling() throws Exception {
        try (UploadEngine engine = engine(true, false)) {
            FlowControl flow = engine.lanes().iterator().next().flow();
            assertThat(flow.files().limit()).isEqualTo(8);
            assertThat(flow.parts().limit()).isEqualTo(4);
            assertThat(flow.parts().max()).as("64M of 16M parts").isEqualTo(4);
            assertThat(flow.files().max()).as("the 64 pooled connections less the parts'").isEqualTo(60);
            assertThat(engine.fileSlots()).isEqualTo(60);
        }
    }

    @Test
    void adaptiveOff_keepsTheConfiguredNumbersFixed_butStillCountsThrottles() throws Exception {
        try (UploadEngine engine = engine(false)) {
            FlowControl flow = engine.lanes().iterator().next().flow();
            flow.responded(503);
            assertThat(flow.parts().limit()).isEqualTo(10);
            assertThat(flow.files().limit()).isEqualTo(6);
            assertThat(flow.throttleResponses()).isEqualTo(1);
        }
    }
}
