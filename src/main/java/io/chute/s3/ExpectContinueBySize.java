package io.chute.s3;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

import java.util.Optional;

/**
 * Asks for {@code 100 Continue} only where it can pay for its round trip. The S3 client adds
 * {@code Expect: 100-continue} to every PutObject and UploadPart with a body (SDK 2.42 has no switch for it;
 * the Apache client's {@code expectContinueEnabled(false)} only stops Apache from adding its own). The sender
 * then waits one round trip before the first body byte, which is all a small object costs on a long path: a
 * 64 KiB PutObject 40 ms away takes two round trips instead of one. What the wait buys is not sending a body
 * the store refuses anyway (503 SlowDown, 403, 412): worth it only when the body takes longer to send than a
 * round trip does, i.e. for bodies beyond the path's bandwidth-delay product (5 MB at 1 Gbit/s and 40 ms).
 * So the header stays on bodies of at least {@link #FROM_BYTES} (multipart parts, large PutObjects) and is
 * removed from smaller ones. Registered after the S3 client's own interceptors, which run first.
 */
final class ExpectContinueBySize implements ExecutionInterceptor {

    /** Bodies from this size on keep {@code Expect: 100-continue}. */
    static final long FROM_BYTES = 8L * 1024 * 1024;

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        SdkHttpRequest request = context.httpRequest();
        if (request.firstMatchingHeader("Expect").isEmpty() || bodyBytes(request).orElse(Long.MAX_VALUE) >= FROM_BYTES) {
            return request;
        }
        return request.toBuilder().removeHeader("Expect").build();
    }

    /** The body's size: the decoded length of an aws-chunked body, else Content-Length. */
    private static Optional<Long> bodyBytes(SdkHttpRequest request) {
        return request.firstMatchingHeader("x-amz-decoded-content-length")
                .or(() -> request.firstMatchingHeader("Content-Length"))
                .flatMap(ExpectContinueBySize::parse);
    }

    private static Optional<Long> parse(String value) {
        try {
            return Optional.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
