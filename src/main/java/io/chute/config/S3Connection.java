package io.chute.config;

import io.chute.config.ChuteConfig.S3Override;
import io.chute.config.ChuteConfig.S3Settings;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * One effective S3 connection as a plain immutable value: {@code chute.s3} with a rule's {@code chute.rules[i].s3}
 * overrides applied. Equal values mean one shared client. The identity fields (static keys, profile, role ARN,
 * external id, source profile) are overridden as a whole: a rule that sets any of them takes none of the global
 * ones, so global and rule credentials never mix. Every other field falls back to the global value one by one.
 * Pool size, timeouts and payload signing are global only; an {@code apiCallAttemptTimeout} of zero means none.
 */
public record S3Connection(
        Optional<URI> endpoint,
        String region,
        boolean pathStyle,
        Optional<String> profile,
        Optional<String> roleArn,
        Optional<String> externalId,
        String roleSessionName,
        Duration roleSessionDuration,
        Optional<String> sourceProfile,
        Optional<URI> stsEndpoint,
        Optional<String> accessKeyId,
        Optional<String> secretAccessKey,
        boolean trustAllCertificates,
        boolean fullObjectChecksum,
        int maxParts,
        int maxConnections,
        Duration connectTimeout,
        Duration readTimeout,
        Duration apiCallAttemptTimeout,
        boolean signPayloadOverHttp) {

    /** The global connection, {@code chute.s3}. */
    public static S3Connection of(S3Settings s3) {
        return new S3Connection(s3.endpoint(), s3.region(), s3.pathStyle(), s3.profile(), s3.roleArn(),
                s3.externalId(), s3.roleSessionName(), s3.roleSessionDuration(), s3.sourceProfile(), s3.stsEndpoint(),
                s3.accessKeyId(), s3.secretAccessKey(), s3.trustAllCertificates(), s3.fullObjectChecksum(),
                s3.maxParts(), s3.maxConnections(), s3.connectTimeout(), s3.readTimeout(),
                s3.apiCallAttemptTimeout().orElse(Duration.ZERO), s3.signPayloadOverHttp());
    }

    /** The connection of a rule: {@code global} with the rule's overrides applied. */
    public static S3Connection of(S3Settings global, S3Override rule) {
        return of(global).with(rule);
    }

    /** This connection with {@code o}'s values in place of its own wherever {@code o} sets one. */
    public S3Connection with(S3Override o) {
        boolean identity = o.accessKeyId().isPresent() || o.secretAccessKey().isPresent() || o.profile().isPresent()
                || o.roleArn().isPresent() || o.externalId().isPresent() || o.sourceProfile().isPresent();
        return new S3Connection(o.endpoint().or(() -> endpoint), o.region().orElse(region),
                o.pathStyle().orElse(pathStyle),
                identity ? o.profile() : profile,
                identity ? o.roleArn() : roleArn,
                identity ? o.externalId() : externalId,
                o.roleSessionName().orElse(roleSessionName), o.roleSessionDuration().orElse(roleSessionDuration),
                identity ? o.sourceProfile() : sourceProfile,
                o.stsEndpoint().or(() -> stsEndpoint),
                identity ? o.accessKeyId() : accessKeyId,
                identity ? o.secretAccessKey() : secretAccessKey,
                o.trustAllCertificates().orElse(trustAllCertificates), o.fullObjectChecksum().orElse(fullObjectChecksum),
                o.maxParts().orElse(maxParts), maxConnections, connectTimeout, readTimeout, apiCallAttemptTimeout,
                signPayloadOverHttp);
    }

    /** Identifies the endpoint in sidecars and the ledger, so a checkpoint is never resumed against another store. */
    public String endpointId() {
        return endpoint.map(Object::toString).orElse("aws:" + region);
    }

    /** Never prints the secret key (the record's default would). */
    @Override
    public String toString() {
        return "S3Connection[" + endpointId() + (accessKeyId.map(k -> ", key " + k).orElse(""))
                + profile.map(p -> ", profile " + p).orElse("") + roleArn.map(r -> ", role " + r).orElse("") + "]";
    }
}
