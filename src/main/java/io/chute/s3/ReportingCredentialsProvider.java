package io.chute.s3;

import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

import java.util.function.Consumer;

/**
 * A credentials provider that tells {@code onFailure} when its delegate cannot resolve credentials (a profile
 * that vanished, an AssumeRole that STS refuses), then throws {@link CredentialsUnavailableException} with the
 * delegate's exception as its cause: the request fails as before, the failure is counted where it happens, and
 * it is classified by its type instead of by the words of a message.
 */
public final class ReportingCredentialsProvider implements AwsCredentialsProvider {

    private final AwsCredentialsProvider delegate;
    private final Consumer<RuntimeException> onFailure;

    public ReportingCredentialsProvider(AwsCredentialsProvider delegate, Consumer<RuntimeException> onFailure) {
        this.delegate = delegate;
        this.onFailure = onFailure;
    }

    @Override
    public AwsCredentials resolveCredentials() {
        try {
            return delegate.resolveCredentials();
        } catch (CredentialsUnavailableException e) {
            onFailure.accept(e);
            throw e;
        } catch (RuntimeException e) {
            onFailure.accept(e);
            throw new CredentialsUnavailableException(e);
        }
    }

    @Override
    public String toString() {
        return "Reporting(" + delegate + ")";
    }
}
