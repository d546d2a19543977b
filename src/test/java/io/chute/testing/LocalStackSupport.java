package io.chute.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.DockerImageName;

/**
 * Helpers for the Testcontainers LocalStack tests. Those tests need a Docker engine, which some
 * machines (this project's CI included) do not have: guard them with
 * {@code Assumptions.assumeTrue(LocalStackSupport.dockerAvailable())} or
 * {@code @Testcontainers(disabledWithoutDocker = true)} so they are skipped there, not failed.
 */
public final class LocalStackSupport {

    /**
     * Pinned LocalStack image. 3.8.1 is a community-edition tag: it starts without a
     * {@code LOCALSTACK_AUTH_TOKEN} (later "latest" images may require one). Pinned so runs are
     * reproducible and never pull a moving tag.
     */
    public static final String IMAGE = "localstack/localstack:3.8.1";

    private static volatile Boolean dockerAvailable;

    private LocalStackSupport() {
    }

    /** {@link #IMAGE} as a Testcontainers image name, for {@code new LocalStackContainer(...)}. */
    public static DockerImageName image() {
        return DockerImageName.parse(IMAGE);
    }

    /**
     * True when Testcontainers can reach a Docker engine. Never throws: any failure while probing
     * (no socket, no permission, missing classes) counts as "not available". The answer is cached.
     */
    public static boolean dockerAvailable() {
        Boolean cached = dockerAvailable;
        if (cached == null) {
            boolean available;
            try {
                available = DockerClientFactory.instance().isDockerAvailable();
            } catch (Throwable t) {
                available = false;
            }
            dockerAvailable = cached = available;
        }
        return cached;
    }
}
