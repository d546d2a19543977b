package io.chute.dev;

import io.chute.config.ChuteConfig;
import io.chute.s3.S3ClientFactory;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Dev mode only ({@code ./mvnw quarkus:dev}): starts S3Proxy (fetched by the build into target/s3-servers) as
 * a child process on the loopback endpoint named by {@code chute.s3.endpoint}, storing objects as plain files
 * under {@code target/dev-s3/data/<bucket>/<key>}, creates the dev bucket and the ./inbox folder, and stops
 * the server when dev mode stops or reloads. Runs before the pipeline starts (lower observer priority).
 */
@IfBuildProfile("dev")
@ApplicationScoped
public class DevS3Server {

    private static final Logger LOG = Logger.getLogger(DevS3Server.class);

    @Inject
    ChuteConfig config;

    private Process process;

    void onStart(@Observes @Priority(1) StartupEvent event) throws IOException, InterruptedException {
        URI endpoint = config.s3().endpoint().orElseThrow();
        config.rules().forEach(r -> mkdirs(r.path()));
        Path base = Path.of("target", "dev-s3").toAbsolutePath();
        Path data = base.resolve("data");
        Files.createDirectories(data);
        Path props = base.resolve("s3proxy.properties");
        Files.writeString(props, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + endpoint.getPort(),
                "s3proxy.authorization=none",
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + data,
                "jclouds.identity=dev", "jclouds.credential=dev", ""));
        Path jar = Path.of("target", "s3-servers", "s3proxy.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing; run './mvnw quarkus:dev' from the project folder"
                    + " (the build's initialize phase fetches it)");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", jar.toString(), "--properties", props.toString()))
                .redirectErrorStream(true).redirectOutput(base.resolve("s3proxy.log").toFile()).start();
        awaitPort(endpoint.getPort());
        try (S3Client s3 = S3ClientFactory.build(io.chute.config.S3Connection.of(config.s3()))) {
            for (ChuteConfig.Rule rule : config.rules()) {
                if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(rule.bucket()))) {
                    s3.createBucket(b -> b.bucket(rule.bucket()));
                }
            }
        }
        LOG.infof("Dev S3 server (S3Proxy) on %s; objects appear under %s", endpoint, data);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (process != null) {
            process.destroy();
        }
    }

    private void awaitPort(int port) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IOException("dev S3 server exited; see target/dev-s3/s3proxy.log");
                }
                Thread.sleep(200);
            }
        }
        throw new IOException("dev S3 server did not open port " + port + " within 60s; see target/dev-s3/s3proxy.log");
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + dir, e);
        }
    }
}
