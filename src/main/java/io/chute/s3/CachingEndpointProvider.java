package io.chute.s3;

import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The S3 endpoint rules, evaluated once per distinct input instead of twice per request. The SDK's S3 client
 * evaluates its endpoint rule set (a generated decision tree over some 130 rules) for every request in the auth-scheme
 * interceptor and again in the endpoint interceptor, with the same inputs: for one client and one bucket they never
 * change. The rules are a pure function of their parameters, so this provider remembers the {@link Endpoint}
 * (immutable: URL, headers, signing attributes) of each distinct parameter set and answers every later request
 * with it; the SDK's provider is still the one that computes it, failures included (a failure is not remembered).
 * <p>
 * The key holds every parameter the rules read. The four parameters of SDK 2.42's {@link S3EndpointParams} that
 * the rules do not read ({@link #NOT_READ_BY_THE_RULES}: {@code Key}, {@code Prefix}, {@code CopySource},
 * {@code DeleteObjectKeys}, declared for operation context only) are left out, otherwise every object key would be
 * an entry of its own; a test fails when {@link S3EndpointParams} gains a parameter this key does not name.
 * At most {@link #MAX_ENTRIES} inputs are remembered (Chute uses one client per connection and a handful of
 * buckets); beyond that the rules are evaluated per request, as without this class.
 */
final class CachingEndpointProvider implements S3EndpointProvider {

    static final int MAX_ENTRIES = 256;

    /** {@link S3EndpointParams} accessors the rule set of SDK 2.42 does not read; not part of the key. */
    static final Set<String> NOT_READ_BY_THE_RULES = Set.of("key", "prefix", "copySource", "deleteObjectKeys");

    /** {@link S3EndpointParams} accessors that are part of the key (every other parameter). */
    static final Set<String> KEYED = Set.of("bucket", "region", "useFips", "useDualStack", "endpoint",
            "forcePathStyle", "accelerate", "useGlobalEndpoint", "useObjectLambdaEndpoint", "disableAccessPoints",
            "disableMultiRegionAccessPoints", "useArnRegion", "useS3ExpressControlEndpoint",
            "disableS3ExpressSessionAuth");

    private final S3EndpointProvider rules;
    private final Map<Key, Endpoint> resolved = new ConcurrentHashMap<>();

    CachingEndpointProvider(S3EndpointProvider rules) {
        this.rules = rules;
    }

    @Override
    public CompletableFuture<Endpoint> resolveEndpoint(S3EndpointParams params) {
        Key key = Key.of(params);
        Endpoint known = resolved.get(key);
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        CompletableFuture<Endpoint> fresh = rules.resolveEndpoint(params);
        if (fresh.isDone() && !fresh.isCompletedExceptionally() && resolved.size() < MAX_ENTRIES) {
            resolved.putIfAbsent(key, fresh.join());
        }
        return fresh;
    }

    /** How many inputs are remembered (for tests). */
    int size() {
        return resolved.size();
    }

    /** Every parameter the rules read, with value equality. */
    private record Key(String bucket, String region, Boolean useFips, Boolean useDualStack, String endpoint,
                       Boolean forcePathStyle, Boolean accelerate, Boolean useGlobalEndpoint,
                       Boolean useObjectLambdaEndpoint, Boolean disableAccessPoints,
                       Boolean disableMultiRegionAccessPoints, Boolean useArnRegion,
                       Boolean useS3ExpressControlEndpoint, Boolean disableS3ExpressSessionAuth) {

        static Key of(S3EndpointParams p) {
            return new Key(p.bucket(), p.region() == null ? null : p.region().id(), p.useFips(), p.useDualStack(), p.endpoint(), p.forcePathStyle(),
                    p.accelerate(), p.useGlobalEndpoint(), p.useObjectLambdaEndpoint(), p.disableAccessPoints(),
                    p.disableMultiRegionAccessPoints(), p.useArnRegion(), p.useS3ExpressControlEndpoint(),
                    p.disableS3ExpressSessionAuth());
        }
    }
}
