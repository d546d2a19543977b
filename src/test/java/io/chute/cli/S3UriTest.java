package io.chute.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class S3UriTest {

    @Test
    void bucketAndKey_areSplitAtTheFirstSlash() {
        S3Uri uri = S3Uri.parse("s3://my-bucket/a/b/c.bin");

        assertThat(uri.bucket()).isEqualTo("my-bucket");
        assertThat(uri.key()).isEqualTo("a/b/c.bin");
        assertThat(uri.keyFor(Path.of("/tmp/other.bin"))).isEqualTo("a/b/c.bin");
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3://my-bucket", "s3://my-bucket/", "s3://my-bucket/in/"})
    void aFolderTarget_getsTheFileNameAppended(String target) {
        String key = S3Uri.parse(target).keyFor(Path.of("/data/report.csv"));

        assertThat(key).endsWith("report.csv").doesNotStartWith("/");
        assertThat(key).isEqualTo(S3Uri.parse(target).key() + "report.csv");
    }

    @ParameterizedTest
    @ValueSource(strings = {"my-bucket/key", "s3:/my-bucket/key", "s3:///key", "https://my-bucket/key"})
    void anythingElse_isRefused(String target) {
        assertThatThrownBy(() -> S3Uri.parse(target)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(target);
    }
}
