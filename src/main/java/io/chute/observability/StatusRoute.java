package io.chute.observability;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chute.config.ChuteConfig;
import io.quarkus.vertx.http.ManagementInterface;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.Map;

/**
 * Serves {@code GET /q/status} on the management interface only (next to health and metrics; the main HTTP
 * server stays off). 200 with a {@link StatusReport} while the daemon runs, 503 otherwise. Not registered at all
 * (404) with {@code chute.status.enabled=false}: the report names local paths, buckets and object keys.
 */
@ApplicationScoped
public class StatusRoute {

    public static final String PATH = "/q/status";

    @Inject
    DaemonView daemon;
    @Inject
    ObjectMapper mapper;
    @Inject
    ChuteConfig config;

    void register(@Observes ManagementInterface management) {
        if (!config.status().enabled()) {
            return;
        }
        management.router().get(PATH).blockingHandler(ctx -> {
            Object body = daemon.status().<Object>map(StatusBoard::report)
                    .orElse(Map.of("error", "the daemon is not running"));
            int code = body instanceof StatusReport ? 200 : 503;
            try {
                ctx.response().setStatusCode(code).putHeader("Content-Type", "application/json")
                        .end(mapper.writeValueAsString(body));
            } catch (JsonProcessingException e) {
                ctx.fail(e);
            }
        });
    }
}
