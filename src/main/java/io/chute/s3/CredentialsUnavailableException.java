package io.chute.s3;

import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * No credentials could be resolved for a request (a profile that vanished, an AssumeRole that STS refused, an
 * empty default chain): thrown by {@link ReportingCredentialsProvider} in place of its delegate's exception,
 * which is its cause, so the failure is recognised by type wherever the SDK lets it surface.
 */
public final class CredentialsUnavailableException extends SdkClientException {

    public CredentialsUnavailableException(RuntimeException cause) {
        super(SdkClientException.builder().message("no credentials could be resolved: " + cause.getMessage())
                .cause(cause));
    }
}
