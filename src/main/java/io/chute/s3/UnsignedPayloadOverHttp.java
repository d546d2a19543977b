package io.chute.s3;

import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;

import java.util.concurrent.CompletableFuture;

/**
 * SigV4 that sends bodies to plain-HTTP endpoints as {@code UNSIGNED-PAYLOAD}, as the SDK already does over HTTPS.
 * <p>
 * The SDK's signer insists on hashing every payload byte (SHA-256, in aws-chunked encoding) whenever the
 * protocol is {@code http}, whatever {@link AwsV4HttpSigner#PAYLOAD_SIGNING_ENABLED} says
 * (aws/aws-sdk-java-v2#4701). On a loopback or LAN store that is the largest per-byte cost of an upload, and
 * it buys nothing integrity needs: every Chute body carries a CRC32C (and MD5) header that is itself signed and
 * that the store checks. So this signer signs an {@code https} view of the request, with payload signing off,
 * and hands the signed headers back on the original {@code http} request. The canonical request contains no
 * scheme, so the signature is the same one an HTTPS request would carry; the {@code Host} header it signs is
 * identical for both schemes on any port other than 80 and 443, and on those two ports the request is signed
 * the SDK's way. Off when {@code chute.s3.sign-payload-over-http} is set.
 */
final class UnsignedPayloadOverHttp implements AuthScheme<AwsCredentialsIdentity> {

    private final AwsV4AuthScheme sigv4 = AwsV4AuthScheme.create();
    private final HttpSigner<AwsCredentialsIdentity> signer = new Signer(sigv4.signer());

    @Override
    public String schemeId() {
        return AwsV4AuthScheme.SCHEME_ID;
    }

    @Override
    public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
        return sigv4.identityProvider(providers);
    }

    @Override
    public HttpSigner<AwsCredentialsIdentity> signer() {
        return signer;
    }

    /** Whether a request to this port keeps the same {@code Host} header when its scheme is changed. */
    static boolean sameHostHeaderForBothSchemes(int port) {
        return port != 80 && port != 443;
    }

    private record Signer(HttpSigner<AwsCredentialsIdentity> delegate) implements HttpSigner<AwsCredentialsIdentity> {

        @Override
        public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
            SdkHttpRequest http = request.request();
            if (!"http".equals(http.protocol()) || !sameHostHeaderForBothSchemes(http.port())) {
                return delegate.sign(request);
            }
            SignRequest<? extends AwsCredentialsIdentity> asHttps = request.copy(b -> b
                    .request(http.toBuilder().protocol("https").port(http.port()).build())
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false));
            SignedRequest signed = delegate.sign(asHttps);
            return signed.copy(b -> b.request(signed.request().toBuilder().protocol("http").port(http.port()).build()));
        }

        @Override
        public CompletableFuture<AsyncSignedRequest> signAsync(AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
            return delegate.signAsync(request); // Chute's clients are synchronous
        }
    }
}
