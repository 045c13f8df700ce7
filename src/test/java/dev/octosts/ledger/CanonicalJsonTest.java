package dev.octosts.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CanonicalJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // members sorted by UTF-16 code units (RFC 8785 §3.2.3), nested objects too
            "`{\"b\":1,\"a\":{\"d\":true,\"c\":null}}`|`{\"a\":{\"c\":null,\"d\":true},\"b\":1}`",
            "`{\"\\u20ac\":1,\"\\r\":2,\"\\ud83d\\ude00\":3,\"1\":4,\"\\u00e9\":5}`|`{\"\\r\":2,\"1\":4,\"é\":5,\"€\":1,\"😀\":3}`",
            // only mandatory escapes; other characters literal
            "`[\"a\\u0000b\",\"\\u001f\",\"tab\\t\",\"\\u2028\",\"</\"]`|`[\"a\\u0000b\",\"\\u001f\",\"tab\\t\",\"\u2028\",\"</\"]`",
            // whitespace dropped, integers plain
            "`{ \"n\" : [ 1 , -2 , 12345678901234 ] }`|`{\"n\":[1,-2,12345678901234]}`",
            "`[\"say \\\"hi\\\"\",\"a\\\\b\",\"x\\ud83d\\ude00y\",123456789012345678901234567890,-9223372036854775808]`|`[\"say \\\"hi\\\"\",\"a\\\\b\",\"x😀y\",123456789012345678901234567890,-9223372036854775808]`",
    })
    void canonicalisesLikeRfc8785(String input, String expected) throws Exception {
        assertThat(CanonicalJson.of(JSON.readTree(input))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"1.5", "1e400"})
    void refusesFractionalNumbers(String number) throws Exception {
        assertThatThrownBy(() -> CanonicalJson.of(JSON.readTree("[" + number + "]")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"\ud800x|\"\\ud800x\"", "x\udc00|\"x\\udc00\""})
    void escapesLoneSurrogates(String value, String expected) {
        assertThat(CanonicalJson.of(JSON.getNodeFactory().textNode(value))).isEqualTo(expected);
    }
}
