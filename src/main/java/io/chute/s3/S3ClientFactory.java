package io.chute.s3;

import io.chute.config.S3Connection;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.profiles.ProfileFileSupplier;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.utils.AttributeMap;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * Builds S3 clients from an effective {@link S3Connection} ({@code chute.s3.*} with a rule's overrides; not
 * {@code quarkus.s3.*}): region, endpoint override, path-style, credentials (wrapped in a
 * {@link ReportingCredentialsProvider}), and the pooled Apache HTTP client (keep-alive, pool size, timeouts; no
 * {@code Expect: 100-continue} round trip for small bodies, see {@link ExpectContinueBySize}). Request checksums are
 * WHEN_REQUIRED because Chute sends its own CRC32C and MD5 on every data call; S3 clones reject some of the
 * SDK's default trailers. The caller owns and closes the client.
 */
public final class S3ClientFactory {

    /** Role credentials closer than this to expiry are refreshed before the next request is signed. */
    static final Duration REFRESH_BEFORE_EXPIRY = Duration.ofMinutes(1);
    /** Role credentials closer than this to expiry are refreshed in the background. */
    static final Duration PREFETCH_BEFORE_EXPIRY = Duration.ofMinutes(5);

    private static final Logger LOG = Logger.getLogger(S3ClientFactory.class);

    private S3ClientFactory() {
    }

    /** A client of {@code settings} whose credential failures are not reported anywhere but the request. */
    public static S3Client build(S3Connection settings) {
        return build(settings, failure -> { });
    }

    /**
     * A client of {@code settings}; {@code onCredentialFailure} is called (on the requesting thread) each time
     * its credentials provider cannot resolve credentials, before the request fails.
     */
    public static S3Client build(S3Connection settings, Consumer<RuntimeException> onCredentialFailure) {
        return build(settings, onCredentialFailure, status -> { });
    }

    /**
     * As {@link #build(S3Connection, Consumer)}; {@code onStatus} receives the HTTP status of every attempt
     * (the SDK's own retries included), on the requesting thread, for the adaptive limits.
     */
    public static S3Client build(S3Connection settings, Consumer<RuntimeException> onCredentialFailure,
                                 IntConsumer onStatus) {
        ApacheHttpClient.Builder http = ApacheHttpClient.builder()
                .maxConnections(settings.maxConnections())
                .connectionTimeout(settings.connectTimeout())
                .socketTimeout(settings.readTimeout())
                .tcpKeepAlive(true)
                // Apache adds no Expect header of its own; ExpectContinueBySize decides per request.
                .expectContinueEnabled(false);
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(tls(http, settings))
                .region(Region.of(settings.region()))
                .credentialsProvider(new ReportingCredentialsProvider(credentials(settings), onCredentialFailure))
                .forcePathStyle(settings.pathStyle())
                // The endpoint rules once per bucket instead of twice per request (see CachingEndpointProvider)
                .endpointProvider(new CachingEndpointProvider(S3EndpointProvider.defaultProvider()))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        settings.endpoint().ifPresent(builder::endpointOverride);
        if (!settings.signPayloadOverHttp()) {
            builder.putAuthScheme(new UnsignedPayloadOverHttp());
        }
        // One override configuration: a second overrideConfiguration(...) call would replace the first.
        builder.overrideConfiguration(o -> {
            o.addExecutionInterceptor(new ExpectContinueBySize());
            o.addExecutionInterceptor(new StatusObservingInterceptor(onStatus));
            if (!settings.apiCallAttemptTimeout().isZero()) {
                o.apiCallAttemptTimeout(settings.apiCallAttemptTimeout());
            }
        });
        return builder.build();
    }

    /**
     * The HTTP client builder, told to skip certificate verification when {@code trust-all-certificates} is set
     * (the SDK's own option, merged over the service defaults so the client still owns its lifecycle).
     */
    private static SdkHttpClient.Builder<?> tls(ApacheHttpClient.Builder http, S3Connection settings) {
        if (!settings.trustAllCertificates()) {
            return http;
        }
        LOG.warnf("trust-all-certificates is on: TLS certificates of %s are NOT verified; anyone on the"
                + " network path can read and alter uploads. Use it only for self-signed test endpoints.",
                settings.endpoint().map(Object::toString).orElse("AWS"));
        AttributeMap trustAll = AttributeMap.builder()
                .put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, Boolean.TRUE).build();
        return new TrustingBuilder(http, trustAll);
    }

    /** Builds the Apache client with trust-all merged over whatever defaults the SDK client passes. */
    private record TrustingBuilder(ApacheHttpClient.Builder http, AttributeMap trustAll)
            implements SdkHttpClient.Builder<TrustingBuilder> {
        @Override
        public SdkHttpClient buildWithDefaults(AttributeMap serviceDefaults) {
            return http.buildWithDefaults(trustAll.merge(serviceDefaults));
        }
    }

    /**
     * A presigner of {@code settings}: the same region, endpoint override, path-style and credentials as
     * {@link #build}, so presigned URLs address the same store the client does. The caller closes it.
     */
    public static S3Presigner presigner(S3Connection settings) {
        S3Presigner.Builder builder = S3Presigner.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials(settings))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build());
        settings.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Identifies the endpoint in sidecars, so a checkpoint is never resumed against another store. */
    public static String endpointId(S3Connection settings) {
        return settings.endpointId();
    }

    /**
     * A profile from the shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE or
     * ~/.aws), re-read when either file is modified: rotated or corrected keys are picked up without a restart.
     */
    private static AwsCredentialsProvider profile(String name) {
        return ProfileCredentialsProvider.builder().profileFile(ProfileFileSupplier.defaultSupplier())
                .profileName(name).build();
    }

    /**
     * Base credentials: static keys, else the named profile, else the default chain (env, system properties, web
     * identity, profile, container, instance). With a role ARN they (or {@code source-profile}) assume the role
     * through STS; the role's credentials are refreshed in the background before they expire.
     */
    static AwsCredentialsProvider credentials(S3Connection settings) {
        AwsCredentialsProvider base;
        if (settings.sourceProfile().isPresent()) {
            base = profile(settings.sourceProfile().get());
        } else if (settings.accessKeyId().isPresent() && settings.secretAccessKey().isPresent()) {
            base = StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(settings.accessKeyId().get(), settings.secretAccessKey().get()));
        } else if (settings.profile().isPresent()) {
            base = profile(settings.profile().get());
        } else {
            base = DefaultCredentialsProvider.builder().build();
        }
        if (settings.roleArn().isEmpty()) {
            return base;
        }
        StsClientBuilder sts = StsClient.builder().region(Region.of(settings.region())).credentialsProvider(base)
                .httpClientBuilder(tls(ApacheHttpClient.builder(), settings));
        settings.stsEndpoint().ifPresent(sts::endpointOverride);
        int durationSeconds = (int) settings.roleSessionDuration().toSeconds();
        return StsAssumeRoleCredentialsProvider.builder().stsClient(sts.build())
                .refreshRequest(r -> r.roleArn(settings.roleArn().get()).roleSessionName(settings.roleSessionName())
                        .externalId(settings.externalId().orElse(null)).durationSeconds(durationSeconds))
                .staleTime(REFRESH_BEFORE_EXPIRY)
                .prefetchTime(PREFETCH_BEFORE_EXPIRY)
                .asyncCredentialUpdateEnabled(true)
                .build();
    }
}
