package io.chute.s3;

import io.chute.config.S3Connection;
import io.chute.testing.TestConfig;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The remembered endpoint is the one the SDK's rules compute, for every shape of address Chute can be configured
 * with: endpoint overrides path-style and virtual-host, AWS regions (aws-global included), FIPS, dual-stack,
 * accelerate, and buckets the rules treat specially (access point and Multi-Region ARNs, i.e. SigV4a, and S3 Express
 * directory buckets). The signing attributes come with the endpoint, so the auth scheme the SDK derives from it is
 * the same too.
 */
class CachingEndpointProviderTest {

    private static final S3EndpointProvider RULES = S3EndpointProvider.defaultProvider();

    private static List<S3EndpointParams> shapes() {
        S3EndpointParams.Builder custom = S3EndpointParams.builder().region(Region.US_EAST_1)
                .endpoint("http://127.0.0.1:9000").useFips(false).useDualStack(false).accelerate(false)
                .useGlobalEndpoint(false);
        S3EndpointParams.Builder aws = S3EndpointParams.builder().region(Region.EU_WEST_1).useFips(false)
                .useDualStack(false).accelerate(false).useGlobalEndpoint(false).forcePathStyle(false);
        return List.of(
                custom.copy().bucket("bench").key("chute/a.bin").forcePathStyle(true).build(),
                custom.copy().bucket("bench").key("chute/a.bin").forcePathStyle(false).build(),
                S3EndpointParams.builder().region(Region.of("eu-central-1")).endpoint("https://s3.example.net")
                        .bucket("data").key("k").forcePathStyle(true).build(),
                aws.copy().bucket("bench").key("k").build(),
                aws.copy().bucket("bench").key("k").forcePathStyle(true).build(),
                aws.copy().bucket("bench").key("k").region(Region.US_EAST_1).useFips(true).build(),
                aws.copy().bucket("bench").key("k").useDualStack(true).build(),
                aws.copy().bucket("bench").key("k").accelerate(true).build(),
                aws.copy().bucket("bench").key("k").region(Region.AWS_GLOBAL).build(),
                aws.copy().bucket("bench").key("k").region(Region.US_EAST_1).useGlobalEndpoint(true).build(),
                aws.copy().bucket("arn:aws:s3:eu-west-1:123456789012:accesspoint/ap").key("k").build(),
                aws.copy().bucket("arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap").key("k").build(),
                aws.copy().bucket("mybucket--euw1-az1--x-s3").key("k").build(),
                aws.copy().bucket("mybucket--euw1-az1--x-s3").key("k").disableS3ExpressSessionAuth(true).build(),
                aws.copy().bucket("mybucket--euw1-az1--x-s3").useS3ExpressControlEndpoint(true).build(),
                aws.copy().build());
    }

    @Test
    void everyShape_resolvesToTheSdksEndpoint_firstAndLaterTimes() {
        CachingEndpointProvider cached = new CachingEndpointProvider(RULES);
        for (S3EndpointParams params : shapes()) {
            Endpoint expected = RULES.resolveEndpoint(params).join();
            assertThat(cached.resolveEndpoint(params).join()).as("first, %s", params).isEqualTo(expected);
            assertThat(cached.resolveEndpoint(params).join()).as("remembered, %s", params).isEqualTo(expected);
        }
        assertThat(cached.size()).isEqualTo(shapes().size());
    }

    @Test
    void keyPrefixAndCopySource_doNotChangeTheEndpoint_soOneEntryServesEveryObjectOfABucket() {
        CachingEndpointProvider cached = new CachingEndpointProvider(RULES);
        S3EndpointParams.Builder base = S3EndpointParams.builder().region(Region.US_EAST_1)
                .endpoint("http://127.0.0.1:9000").forcePathStyle(true).bucket("bench");
        List<S3EndpointParams> objects = List.of(base.copy().key("a").build(), base.copy().key("b/c d.bin").build(),
                base.copy().prefix("p/").build(), base.copy().copySource("other/x").key("y").build(),
                base.copy().deleteObjectKeys(List.of("a", "b")).build());
        for (S3EndpointParams params : objects) {
            assertThat(cached.resolveEndpoint(params).join()).isEqualTo(RULES.resolveEndpoint(params).join())
                    .isEqualTo(RULES.resolveEndpoint(objects.get(0)).join());
        }
        assertThat(cached.size()).isEqualTo(1);
    }

    @Test
    void everyParameterOfTheSdk_isKeyed_orKnownNotToBeReadByTheRules() {
        Set<String> parameters = Arrays.stream(S3EndpointParams.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()))
                .filter(m -> m.getParameterCount() == 0 && !m.isSynthetic() && !m.isBridge())
                .map(Method::getName).filter(n -> !Set.of("toBuilder", "hashCode", "toString").contains(n))
                .collect(Collectors.toSet());
        Set<String> known = new HashSet<>(CachingEndpointProvider.KEYED);
        known.addAll(CachingEndpointProvider.NOT_READ_BY_THE_RULES);
        assertThat(parameters).as("an SDK upgrade added an endpoint parameter: key it, or show the rules ignore it")
                .isEqualTo(known);
    }

    @Test
    void aFailedResolution_isNotRemembered_andFailsAgain() {
        CachingEndpointProvider cached = new CachingEndpointProvider(RULES);
        S3EndpointParams fipsWithCustomEndpoint = S3EndpointParams.builder().region(Region.US_EAST_1)
                .endpoint("http://127.0.0.1:9000").useFips(true).bucket("bench").build();
        for (int i = 0; i < 2; i++) {
            CompletableFuture<Endpoint> resolved = cached.resolveEndpoint(fipsWithCustomEndpoint);
            assertThatThrownBy(resolved::join).hasMessageContaining("FIPS");
        }
        assertThat(cached.size()).isZero();
    }

    @Test
    void atMostMaxEntries_areRemembered_andLaterInputsAreStillResolved() {
        CachingEndpointProvider cached = new CachingEndpointProvider(RULES);
        for (int i = 0; i < CachingEndpointProvider.MAX_ENTRIES + 20; i++) {
            S3EndpointParams params = S3EndpointParams.builder().region(Region.US_EAST_1)
                    .endpoint("http://127.0.0.1:9000").forcePathStyle(true).bucket("b" + i).build();
            assertThat(cached.resolveEndpoint(params).join().url().getPath()).isEqualTo("/b" + i);
        }
        assertThat(cached.size()).isEqualTo(CachingEndpointProvider.MAX_ENTRIES);
    }

    @Test
    void theFactorysClient_resolvesThroughTheCache() {
        try (S3Client s3 = S3ClientFactory.build(S3Connection.of(TestConfig.of(Map.of("chute.daemon", "false",
                "chute.s3.endpoint", "http://127.0.0.1:9", "chute.s3.path-style", "true",
                "chute.s3.access-key-id", "AKIDUMMY", "chute.s3.secret-access-key", "dummy")).s3()))) {
            assertThat(s3.serviceClientConfiguration().endpointProvider()).get()
                    .isInstanceOf(CachingEndpointProvider.class);
        }
    }
}
