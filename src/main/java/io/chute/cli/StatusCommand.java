package io.chute.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.microprofile.config.ConfigProvider;
import io.quarkus.runtime.annotations.RegisterForReflection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code chute status}: asks a running daemon ({@code GET /q/status} on its management interface) what it
 * is doing and renders the answer; {@code --json} prints the document as served. Without {@code --url} the
 * daemon is looked for on 127.0.0.1 at {@code quarkus.management.port} of the same configuration. No daemon
 * answering is a failure (exit 1) with a message saying so.
 */
@RegisterForReflection // picocli reads its annotations reflectively, also in a native image
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows what a running Chute daemon is doing: rules, uploads in flight, waiting files.")
final class StatusCommand implements Callable<Integer> {

    static final String PATH = "/q/status";

    @Option(names = "--url", paramLabel = "URL",
            description = "The daemon's management interface (default: http://127.0.0.1:<quarkus.management.port>).")
    URI url;

    @Option(names = "--json", description = "Print the status document as JSON, unchanged.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        URI base = url != null ? url : URI.create("http://127.0.0.1:"
                + ConfigProvider.getConfig().getOptionalValue("quarkus.management.port", Integer.class).orElse(9000));
        URI endpoint = base.resolve(PATH);
        String body = fetch(endpoint);
        if (json) {
            System.out.println(body);
            return 0;
        }
        try {
            System.out.print(StatusRenderer.render(new ObjectMapper().readTree(body)));
        } catch (JsonProcessingException e) {
            throw new CliFailure(endpoint + " did not answer with a status document: " + e.getOriginalMessage());
        }
        return 0;
    }

    private static String fetch(URI endpoint) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json").GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException refused) {
            throw new CliFailure("no Chute daemon answers at " + endpoint
                    + " (connection refused): is it running, and is that its management port?");
        } catch (HttpTimeoutException slow) {
            throw new CliFailure(endpoint + " did not answer within 10s");
        } catch (IOException e) {
            throw new CliFailure("cannot reach " + endpoint + ": " + e);
        }
        if (response.statusCode() == 404) {
            throw new CliFailure(endpoint + " answered 404: not a Chute daemon, or one without the status API");
        }
        if (response.statusCode() != 200) {
            throw new CliFailure(endpoint + " answered HTTP " + response.statusCode());
        }
        return response.body();
    }
}
