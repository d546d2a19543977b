package io.chute.observability;

import io.chute.Pipeline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** UP while the watcher thread and every uploader worker are alive. */
@Liveness
@ApplicationScoped
public class LivenessCheck implements HealthCheck {

    @Inject
    Pipeline pipeline;

    @Override
    public HealthCheckResponse call() {
        boolean alive = !pipeline.isStarted() || pipeline.threadsAlive();
        return HealthCheckResponse.named("chute-threads").status(alive).build();
    }
}
