package io.chute.upload;

import io.chute.config.DropRule;
import io.chute.upload.ObjectKeyResolver.InvalidKeyException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.text.Normalizer;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ObjectKeyResolverTest {

    private static final Instant T = Instant.parse("2026-03-07T04:05:06Z");
    private static final String HOST = "drop-pc-7";

    private static DropRule rule(String prefix, String template) {
        return rule(prefix, template, Map.of());
    }

    private static DropRule rule(String prefix, String template, Map<String, String> metadata) {
        io.chute.testing.TestRules t = io.chute.testing.TestRules.in(Path.of("/data/inbox"));
        t.bucket = "bucket";
        t.prefix = prefix;
        t.key = template;
        t.metadata = metadata;
        return t.build();
    }

    private static String resolve(String template, String relative) throws InvalidKeyException {
        return ObjectKeyResolver.resolve(rule("", template), Path.of(relative), T, HOST);
    }

    @Test
    void path_isTheRelativePathWithSlashes_afterThePrefix() throws Exception {
        assertThat(ObjectKeyResolver.resolve(rule("in/", "{path}"), Path.of("a", "b", "c.csv"), T, HOST))
                .isEqualTo("in/a/b/c.csv");
    }

    @Test
    void nameStemAndExt_comeFromTheLastSegment() throws Exception {
        assertThat(resolve("{name}|{stem}|{ext}", "dir/report.final.csv")).isEqualTo("report.final.csv|report.final|csv");
        assertThat(resolve("{stem}|{ext}", "dir/README")).isEqualTo("README|");
        assertThat(resolve("{stem}|{ext}", "dir/.profile")).isEqualTo(".profile|");
    }

    @Test
    void timePlaceholders_areThoseOfTheGivenInstantInUtc() throws Exception {
        assertThat(resolve("{yyyy}/{MM}/{dd}/{HH}/{name}", "x.bin")).isEqualTo("2026/03/07/04/x.bin");
        Instant lateEvening = Instant.parse("2026-12-31T23:59:59Z");
        assertThat(ObjectKeyResolver.resolve(rule("", "{yyyy}-{MM}-{dd}T{HH}"), Path.of("x"), lateEvening, HOST))
                .isEqualTo("2026-12-31T23");
    }

    @Test
    void hostnameAndRule_areSubstituted() throws Exception {
        assertThat(resolve("{hostname}/{rule}/{name}", "x.bin")).isEqualTo("drop-pc-7/inbox/x.bin");
    }

    @Test
    void placeholdersInsideFileNames_stayLiteral() throws Exception {
        assertThat(resolve("{rule}/{path}", "{rule}{yyyy}.txt")).isEqualTo("inbox/{rule}{yyyy}.txt");
    }

    @Test
    void decomposedUnicodeNames_areNormalisedToNfc() throws Exception {
        String decomposed = Normalizer.normalize("café/Åström.txt", Normalizer.Form.NFD);
        String key = resolve("{path}", decomposed);
        assertThat(key).isEqualTo("caf\u00e9/\u00c5str\u00f6m.txt");
        assertThat(Normalizer.isNormalized(key, Normalizer.Form.NFC)).isTrue();
    }

    @Test
    void keyOver1024Utf8Bytes_isRefusedWithItsLength() {
        String name = "é".repeat(513); // 1026 bytes in UTF-8, 513 characters
        assertThatThrownBy(() -> resolve("{name}", name)).isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("1026 bytes");
    }

    @Test
    void keyOfExactly1024Bytes_isAccepted() throws Exception {
        assertThat(resolve("{name}", "a".repeat(1024))).hasSize(1024);
    }

    @Test
    void dotDotSegment_isRefused() {
        assertThatThrownBy(() -> ObjectKeyResolver.resolve(rule("../", "{path}"), Path.of("x"), T, HOST))
                .isInstanceOf(InvalidKeyException.class).hasMessageContaining("'..' segment");
        assertThatThrownBy(() -> ObjectKeyResolver.resolve(rule("a/./", "{path}"), Path.of("x"), T, HOST))
                .isInstanceOf(InvalidKeyException.class).hasMessageContaining("'.' segment");
    }

    @Test
    void controlCharacters_areRefused() {
        assertThatThrownBy(() -> resolve("{name}", "bad\u0007bell.txt")).isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("control characters");
        assertThatThrownBy(() -> resolve("{name}", "line\nbreak")).isInstanceOf(InvalidKeyException.class);
    }

    @Test
    void metadataValues_expandTheSamePlaceholders() {
        DropRule rule = rule("", "{path}", Map.of("origin", "{hostname}:{path}", "day", "{yyyy}{MM}{dd}", "fixed", "x"));
        assertThat(ObjectKeyResolver.metadata(rule, Path.of("a/b.txt"), T, HOST))
                .containsExactlyInAnyOrderEntriesOf(Map.of("origin", "drop-pc-7:a/b.txt", "day", "20260307", "fixed", "x"));
    }

    @Test
    void suffixed_insertsTheNumberBeforeTheExtensionOfTheLastSegment() throws Exception {
        assertThat(ObjectKeyResolver.suffixed("in/v1.2/report.csv", 2)).isEqualTo("in/v1.2/report-2.csv");
        assertThat(ObjectKeyResolver.suffixed("in/v1.2/README", 1)).isEqualTo("in/v1.2/README-1");
        assertThat(ObjectKeyResolver.suffixed("in/.hidden", 3)).isEqualTo("in/.hidden-3");
    }

    @Test
    void localHostname_isThisMachinesName_asTheJdkResolvesIt() throws Exception {
        // the name the JDK gives this host (the lookup ObjectKeyResolver documents); "localhost" is only the
        // fallback when there is none, so a constant or an unresolved name fails here on any named machine
        String expected;
        try {
            expected = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException unresolvable) {
            expected = System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(expected.isBlank(), "the JDK reports a blank host name");
        assertThat(ObjectKeyResolver.localHostname()).isEqualTo(expected);
    }

    @Test
    void namesThatAreNotValidUtf8_haveEachInvalidByteEscaped_andAPercentEscapedToo() {
        assertThat(ObjectKeyResolver.encodeBytes(new byte[] {'a', (byte) 0xff, '.', 't'})).isEqualTo("a%FF.t");
        assertThat(ObjectKeyResolver.encodeBytes(new byte[] {'a', (byte) 0xfe, '.', 't'})).isEqualTo("a%FE.t");
        assertThat(ObjectKeyResolver.encodeBytes(new byte[] {'1', '%', (byte) 0xc3})).as("a truncated sequence")
                .isEqualTo("1%25%C3");
        byte[] mixed = "é".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(ObjectKeyResolver.encodeBytes(new byte[] {mixed[0], mixed[1], (byte) 0x80, 'x'}))
                .as("valid characters stay as they are").isEqualTo("é%80x");
        assertThat(ObjectKeyResolver.encodeBytes("a%FF%25.t")).as("from a URI's escaped bytes").isEqualTo("a%FF%25.t");
    }

    @Test
    void plainNames_areValidUtf8InNfc() {
        assertThat(ObjectKeyResolver.plainName(Path.of(Normalizer.normalize("café", Normalizer.Form.NFC)))).isTrue();
        assertThat(ObjectKeyResolver.plainName(Path.of(Normalizer.normalize("café", Normalizer.Form.NFD)))).isFalse();
        assertThat(ObjectKeyResolver.plainName(Path.of("a\uFFFDb"))).isFalse();
    }

    @Test
    void zeroPadded_writesWhatPercentZeroDWould() {
        for (int value : new int[] {0, 7, 10, 99, 100, 999, 2026, 12345, -3, -12345, Integer.MIN_VALUE}) {
            for (int width : new int[] {2, 4}) {
                assertThat(ObjectKeyResolver.zeroPadded(value, width)).as(value + " in " + width)
                        .isEqualTo(String.format("%0" + width + "d", value));
            }
        }
    }

    @Test
    void aRuleWithoutMetadata_getsNoneWhateverTheFile() {
        assertThat(ObjectKeyResolver.metadata(rule("", "{path}"), Path.of("a.bin"), T, HOST)).isEmpty();
    }

    @Test
    void contentTypeOf_answersAsTheUncachedGuessForEveryNameShape_alsoWhenAskedAgain() {
        String[] names = {"a.html", "b.HTML", "c.Txt", "d.tar.gz", "e.json", "f.JSON", "g.parquet", "h.unknownext",
                "README", ".profile", "x#y.html", "q?.png", "z.png#frag", "a." + "x".repeat(40)};
        for (int round = 0; round < 2; round++) {
            for (String name : names) {
                assertThat(ObjectTargets.contentTypeOf(name)).as(name + " (round " + round + ")")
                        .isEqualTo(ObjectTargets.guessContentType(name));
            }
        }
        assertThat(ObjectTargets.contentTypeOf("b.HTML")).isEqualTo("text/html");
        assertThat(ObjectTargets.contentTypeOf("g.parquet")).isNotNull().isEqualTo(ObjectTargets.contentTypeOf("Z.PARQUET"));
    }
}
