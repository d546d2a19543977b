package io.chute.multipart;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MetadataValuesTest {

    @ParameterizedTest
    @ValueSource(strings = {"日本.txt", "café.txt", "Ελληνικά.txt", "📦 parcel 🚚.bin", "Zürich"})
    void encode_nonAscii_isOneUtf8BWord_thatDecodesBackToTheValue(String value) {
        String header = MetadataValues.encode(value);
        assertThat(header).startsWith("=?UTF-8?B?").endsWith("?=");
        assertThat(header.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
        assertThat(MetadataValues.decode(header)).isEqualTo(value);
    }

    @Test
    void encode_printableAscii_isUnchanged_unlessItLooksLikeAnEncodedWord() {
        assertThat(MetadataValues.encode("host-1:/data/scan 7.json")).isEqualTo("host-1:/data/scan 7.json");
        assertThat(MetadataValues.encode("")).isEmpty();
        String lookalike = "=?UTF-8?B?5pel5pys?=";
        assertThat(MetadataValues.encode(lookalike)).isNotEqualTo(lookalike);
        assertThat(MetadataValues.decode(MetadataValues.encode(lookalike))).isEqualTo(lookalike);
    }

    @Test
    void decode_readsWhatOtherWritersProduce_qEncoding_otherCharsets_andAdjacentWords() {
        assertThat(MetadataValues.decode("=?utf-8?Q?caf=C3=A9_au_lait?=")).isEqualTo("café au lait");
        assertThat(MetadataValues.decode("=?ISO-8859-1?Q?Z=FCrich?=")).isEqualTo("Zürich");
        assertThat(MetadataValues.decode("=?UTF-8?B?5pel?= =?UTF-8?B?5pys?=")).isEqualTo("日本");
    }

    @Test
    void decode_leavesPlainAndMalformedValuesAsTheyAre() {
        assertThat(MetadataValues.decode("plain")).isEqualTo("plain");
        assertThat(MetadataValues.decode("x =?UTF-8?B?5pel?=")).isEqualTo("x =?UTF-8?B?5pel?=");
        assertThat(MetadataValues.decode("=?no-such-charset?B?5pel?=")).isEqualTo("=?no-such-charset?B?5pel?=");
        assertThat(MetadataValues.decode("=?UTF-8?Q?bad=Z?=")).isEqualTo("=?UTF-8?Q?bad=Z?=");
        assertThat(MetadataValues.decode(null)).isNull();
    }

    @Test
    void controlCharacterIn_namesTheFirstOne() {
        assertThat(MetadataValues.controlCharacterIn("日本.txt")).isNull();
        assertThat(MetadataValues.controlCharacterIn("a\tb\nc")).isEqualTo("U+0009");
        assertThat(MetadataValues.controlCharacterIn("x\u0085")).isEqualTo("U+0085");
    }

    @Test
    void objectOptions_sendEncodedValues_butKeepTheValuesAsTheyRead() {
        ObjectOptions options = new ObjectOptions(null, null, null, Map.of(), Map.of("file", "日本.txt", "host", "h1"),
                null, null, null, null, true);
        assertThat(options.metadata()).containsEntry("file", "日本.txt");
        assertThat(options.metadataHeaders()).containsEntry("file", "=?UTF-8?B?5pel5pysLnR4dA==?=")
                .containsEntry("host", "h1");
    }
}
