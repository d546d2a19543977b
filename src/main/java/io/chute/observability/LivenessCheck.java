package io.chute.observability;

import io.chute.config.ChuteConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

import java.time.Duration;

/**
 * UP while the watcher thread and every uploader worker are alive and neither the watcher loop (which wakes
 * at least every second when idle) nor the stability tick has been silent for longer than {@link #WEDGED} (or ten ticks,
 * whichever is longer). A restart is the cure for a dead or wedged thread; a slow upload is neither.
 */
@Liveness
@ApplicationScoped
public class LivenessCheck implements HealthCheck {

    /**
     * Generous on purpose: in poll mode the watcher loop also scans folders, and the tick stats every tracked
     * file, which on a large NFS tree can take minutes; a false DOWN restarts a healthy daemon in a loop.
     */
    static final Duration WEDGED = Duration.ofMinutes(5);

    @Inject
    DaemonView daemon;
    @Inject
    ChuteConfig config;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("chute-threads").up();
        if (!daemon.isStarted()) {
            return builder.withData("pipeline", "not started").build();
        }
        if (!daemon.threadsAlive()) {
            builder.down().withData("threads", "the watcher or an uploader worker thread died");
        }
        Duration tickLimit = max(WEDGED, config.watch().stabilityTick().multipliedBy(10));
        Duration watcher = daemon.watcherSilence();
        Duration tick = daemon.tickSilence();
        builder.withData("watcherSilentSeconds", watcher.toSeconds()).withData("tickSilentSeconds", tick.toSeconds());
        if (watcher.compareTo(WEDGED) > 0) {
            builder.down().withData("watcher", "loop silent for " + watcher.toSeconds() + "s");
        }
        if (tick.compareTo(tickLimit) > 0) {
            builder.down().withData("stability", "tick silent for " + tick.toSeconds() + "s");
        }
        return builder.build();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
