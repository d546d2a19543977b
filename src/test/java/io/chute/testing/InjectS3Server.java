package io.chute.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test-class field of type {@link S3ServerProcess} that {@link S3TestResource} fills with the
 * server it started for that test class (e.g. to read objects back with {@link S3ServerProcess#newClient()}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface InjectS3Server {
}
