package dev.octosts.gocompat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go's %q quoting, float formatting and IsPrint, with the answers Go gives. */
class GoTextTest {

    @Test
    void quotesLikeGoStrconvQuote() {
        assertThat(GoText.quote("plain")).isEqualTo("\"plain\"");
        assertThat(GoText.quote("say \"hi\" \\ there")).isEqualTo("\"say \\\"hi\\\" \\\\ there\"");
        assertThat(GoText.quote("a\nb\tc\r\u0007\b\f\u000b")).isEqualTo("\"a\\nb\\tc\\r\\a\\b\\f\\v\"");
        assertThat(GoText.quote("\u0000\u001f\u007f")).isEqualTo("\"\\x00\\x1f\\x7f\"");
        assertThat(GoText.quote("е😀é")).isEqualTo("\"е😀é\""); // printable non-ASCII stays
        assertThat(GoText.quote("a\u00a0b\u200bc")).isEqualTo("\"a\\u00a0b\\u200bc\"");
        assertThat(GoText.quote("\uDB40\uDC01")).isEqualTo("\"\\U000e0001\"");
        assertThat(GoText.quote("https://(example|google)\\.com")).isEqualTo("\"https://(example|google)\\\\.com\"");
    }

    @Test
    void cutsLongTextInMessages() {
        String quoted = GoText.quote("x".repeat(10_000));
        assertThat(quoted).hasSize(GoText.MAX_ECHOED_CHARS + 5).endsWith("\"...");
    }

    @Test
    void quotesListsLikeGo() {
        assertThat(GoText.quoteList(List.of("a", "b"))).isEqualTo("[\"a\" \"b\"]");
        assertThat(GoText.quoteList(List.of())).isEqualTo("[]");
        assertThat(GoText.quoteList(java.util.Collections.nCopies(100, "a"))).endsWith("\"a\" ...]");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "1.5, 1.5", "0.1, 0.1", "100000, 100000", "1000000, 1e+06", "123456789, 1.2345679e+08",
            "0.0001, 0.0001", "0.00001, 1e-05", "3.14159265358979, 3.1415927", "16777217, 1.6777216e+07",
            "-2.5, -2.5", "0, 0", "-0.0, -0", "1e23, 1e+23", "1.5e-7, 1.5e-07", "12345.678, 12345.678",
            "NaN, NaN", "Infinity, +Inf", "-Infinity, -Inf"})
    void formatsFloatsLikeGoFormatFloatG32(double value, String expected) {
        assertThat(GoText.formatFloat32(value)).isEqualTo(expected);
    }
}
