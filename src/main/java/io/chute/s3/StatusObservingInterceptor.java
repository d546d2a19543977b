package io.chute.s3;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.util.function.IntConsumer;

/**
 * Reports the HTTP status of every attempt a client makes, the SDK's own retries included: afterTransmission
 * runs once per attempt, while the caller sees only the last one. Chute's adaptive limits learn about 503
 * SlowDown from it even when a retry then succeeds.
 */
final class StatusObservingInterceptor implements ExecutionInterceptor {

    private final IntConsumer onStatus;

    StatusObservingInterceptor(IntConsumer onStatus) {
        this.onStatus = onStatus;
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes executionAttributes) {
        onStatus.accept(context.httpResponse().statusCode());
    }
}
