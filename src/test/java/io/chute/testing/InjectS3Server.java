package io.chute.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test-class field of type {@link S3Server} that {@link S3TestResource} fills with the server the
 * application talks to (e.g. to read objects back with {@link S3Server#newClient()}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface InjectS3Server {
}
