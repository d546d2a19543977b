package io.chute.observability;

import io.chute.config.DropRule;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.util.Optional;

/**
 * DOWN while any rule cannot upload: the state dir cannot be written (entry {@code state-dir}, and every rule
 * names it), its folder is not a readable directory, its bucket or credentials failed
 * (the last upload's or the 30 s bucket probe's result, never an S3 request per health probe), or a fatal
 * error is latched. The data has one entry per rule: {@code ok} or what is wrong with it.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    @Inject
    DaemonView daemon;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("chute-rules").up();
        Optional<RuleChecks> checks = daemon.ruleChecks();
        if (!daemon.isStarted() || checks.isEmpty()) {
            return builder.down().withData("pipeline", "not started").build();
        }
        checks.get().stateDirProblem().ifPresent(problem -> builder.down().withData("state-dir", problem));
        for (DropRule rule : daemon.rules()) {
            Optional<String> problem = checks.get().problem(rule);
            if (problem.isPresent()) {
                builder.down().withData(rule.name(), problem.get());
            } else {
                builder.withData(rule.name(), "ok");
            }
        }
        return builder.build();
    }
}
