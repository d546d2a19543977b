package io.chute.observability;

import io.chute.Pipeline;
import io.chute.config.DropRule;
import io.chute.upload.RuleHealth;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.nio.file.Files;
import java.util.Optional;

/**
 * DOWN while any rule cannot upload: its folder is not a readable directory, or its bucket or credentials
 * failed (the cached result of the last upload or bucket probe, never a request per health probe). The data
 * names each failing rule.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    @Inject
    Pipeline pipeline;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("chute-rules").up();
        if (!pipeline.isStarted()) {
            return builder.down().withData("pipeline", "not started").build();
        }
        for (DropRule rule : pipeline.rules()) {
            if (!Files.isDirectory(rule.folder()) || !Files.isReadable(rule.folder())) {
                builder.down().withData(rule.name(), "folder " + rule.folder() + " is not a readable directory");
                continue;
            }
            Optional<RuleHealth.Failing> failing = pipeline.ruleHealth().flatMap(h -> h.failing(rule.name()));
            if (failing.isPresent()) {
                builder.down().withData(rule.name(), failing.get().reason() + ": " + failing.get().detail());
            } else {
                builder.withData(rule.name(), "ok");
            }
        }
        return builder.build();
    }
}
