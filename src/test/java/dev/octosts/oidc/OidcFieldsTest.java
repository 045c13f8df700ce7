package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.gocompat.GoUrl;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every row of {@code oidc_validation_cases.json} (Octo STS {@code pkg/oidcvalidate} vectors). */
class OidcFieldsTest {
    private static final String CASES = "/conformance/octo-sts/oidc_validation_cases.json";
    private static final JsonNode ROOT = load();

    private static JsonNode load() {
        try (InputStream in = OidcFieldsTest.class.getResourceAsStream(CASES)) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rows of one table as (display name, value, valid); rows without a name are named by their value. */
    private static Stream<Arguments> rows(String table) {
        List<Arguments> rows = new ArrayList<>();
        for (JsonNode row : ROOT.get(table)) {
            String value = row.get("value").asText();
            String name = row.has("name") ? row.get("name").asText() : printable(value);
            rows.add(Arguments.of(name, value, row.get("valid").asBoolean()));
        }
        return rows.stream();
    }

    /** Control characters escaped so every display name stays on one line. */
    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    static Stream<Arguments> issuerCases() {
        return rows("issuer_cases");
    }

    static Stream<Arguments> derivedIssuerCases() {
        return rows("issuer_cases_derived_from_other_tests");
    }

    static Stream<Arguments> subjectCases() {
        return rows("subject_cases");
    }

    static Stream<Arguments> audienceCases() {
        return rows("audience_cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("issuerCases")
    void issuer(String name, String value, boolean valid) {
        assertVerdict(OidcFields::isValidIssuer, value, valid);
        assertThat(OidcFields.parseIssuer(value) != null).isEqualTo(valid);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("derivedIssuerCases")
    void derivedIssuer(String name, String value, boolean valid) {
        assertVerdict(OidcFields::isValidIssuer, value, valid);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjectCases")
    void subject(String name, String value, boolean valid) {
        assertVerdict(OidcFields::isValidSubject, value, valid);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("audienceCases")
    void audience(String name, String value, boolean valid) {
        assertVerdict(OidcFields::isValidAudience, value, valid);
    }

    /** Host rules beyond the vectors: Go needs a non-empty hostname and an IPv6 address inside brackets. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "https://:443, false",
        "https://[::1]:8443/x, true",
        "http://[::1], true",
        "https://[2001:db8::10.1.2.3], true",
        "https://[evil.example.com], false",
        "https://[1::2::3], false",
        "https://[::1, false",
        "https://[fe80::1%25en0], false",
        "https://example%25.com, false",
        "https://example.com:44x, false",
    })
    void hostRules(String value, boolean valid) {
        assertVerdict(OidcFields::isValidIssuer, value, valid);
    }

    @Test
    void tablesHaveTheDocumentedRowCounts() {
        assertThat(ROOT.get("issuer_cases")).hasSize(43);
        assertThat(ROOT.get("subject_cases")).hasSize(29);
        assertThat(ROOT.get("audience_cases")).hasSize(12);
        assertThat(ROOT.get("issuer_cases_derived_from_other_tests")).hasSize(19);
    }

    @Test
    void parseIssuerSplitsHostPortAndPath() {
        assertThat(OidcFields.parseIssuer("HTTPS://Example.com:8443/a/b"))
                .isEqualTo(new GoUrl("https", "Example.com:8443", "Example.com", "/a/b"));
        assertThat(OidcFields.parseIssuer("http://[::1]:8080"))
                .isEqualTo(new GoUrl("http", "[::1]:8080", "::1", ""));
    }

    private static void assertVerdict(Predicate<String> rule, String value, boolean valid) {
        assertThat(rule.test(value)).as("verdict for %s", printable(value)).isEqualTo(valid);
    }
}
