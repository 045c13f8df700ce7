package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** allowlist_cases and check_cases of org_trusted_issuers_cases.json. */
class OrgTrustedIssuersConformanceTest {
    private static final JsonNode CASES = Conformance.load("org_trusted_issuers_cases.json");

    static Stream<Arguments> allowlistRows() {
        return Conformance.rows(CASES.get("allowlist_cases"), row -> true);
    }

    /**
     * The check rows with an allowlist to decide by. The rows whose allowlist is absent, invalid or unknown
     * are decided by the exchange's lookup before any allowlist exists: OrgIssuerLookupScenariosTest runs them.
     */
    static Stream<Arguments> checkRows() {
        return Conformance.rows(CASES.get("check_cases"), row -> row.get("allowlist_state").asText().equals("present"));
    }

    @Test
    void theVectorsHoldTheExpectedNumberOfRows() {
        assertThat(CASES.get("allowlist_cases")).hasSize(106);
        assertThat(allowlistRows()).hasSize(106);
        assertThat(CASES.get("check_cases")).hasSize(7);
        assertThat(checkRows()).hasSize(4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allowlistRows")
    void allowlist(String id, JsonNode row) throws PolicyException, RegexSyntaxException {
        String yaml = row.get("allowlist_yaml").asText();
        if (!row.get("valid").asBoolean()) {
            String bypass = Conformance.text(row, "bypass_issuer_matched_by_wrapped_regex");
            if (bypass != null) {
                // The refusal matters: the pattern, compiled as the allowlist would, lets the attacker in.
                String pattern = row.get("allowlist").get("issuer_patterns").get(bypassedPatternIndex(row)).asText();
                assertThat(GoRegex.compileFullMatch(pattern).matches(bypass)).as("^(?:p)$ matches " + bypass).isTrue();
            }
            PolicyException error = catchThrowableOfType(PolicyException.class, () -> OrgTrustedIssuers.parse(yaml));
            assertThat(error).as("refused").isNotNull();
            assertThat(error.reason()).isEqualTo(row.get("reject_reason").asText());
            for (JsonNode part : row.get("error_contains")) {
                assertThat(error.getMessage()).contains(part.asText());
            }
            for (JsonNode part : row.path("error_not_contains")) {
                assertThat(error.getMessage()).doesNotContain(part.asText());
            }
            if (SPAN_CHECK_REASONS.containsKey(error.reason())) {
                assertThat(error.getMessage()).isEqualTo(CASES.get("span_check_error_template").asText()
                        .formatted(bypassedPatternIndex(row), spanReason(row, error)));
            }
            return;
        }
        OrgTrustedIssuers allowlist = OrgTrustedIssuers.parse(yaml);
        assertThat(allowlist.mode().value()).isEqualTo(row.get("expected_mode").asText());
        JsonNode listed = row.path("allowlist");
        if (listed.isObject()) {
            assertThat(allowlist.issuers()).hasSize(listed.path("issuers").size());
            assertThat(allowlist.issuerPatterns()).hasSize(listed.path("issuer_patterns").size());
        }
        for (JsonNode candidate : row.path("candidates")) {
            assertThat(allowlist.allows(candidate.get("issuer").asText()))
                    .as(candidate.get("issuer").asText())
                    .isEqualTo(candidate.get("permitted").asBoolean());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checkRows")
    void decision(String name, JsonNode row) throws PolicyException {
        String issuer = row.get("issuer").asText();
        IssuerAllowlistDecision decision = OrgTrustedIssuers.parse(row.get("allowlist_yaml").asText()).decide(issuer);

        assertThat(grpcCode(decision.outcome())).isEqualTo(row.get("expected_grpc_code").asText());
        String message = Conformance.text(row, "expected_message");
        assertThat(decision.message()).isEqualTo(message == null ? "" : message);
        JsonNode expected = row.get("decision");
        if (expected.isNull()) {
            assertThat(decision.recorded()).isNull();
        } else {
            assertThat(decision.recorded()).isEqualTo(new IssuerAllowlistDecision.IssuerDecision(
                    OrgTrustedIssuers.Mode.valueOf(expected.get("mode").asText().toUpperCase(java.util.Locale.ROOT)),
                    expected.get("allowed").asBoolean(), expected.get("iss").asText()));
        }
    }

    /** The span-check reasons and the entries of {@code span_check_reasons} each may use. */
    private static final Map<String, Set<String>> SPAN_CHECK_REASONS = Map.of(
            "pattern_can_match_slash", Set.of("dot", "class"),
            "slash_under_repetition_optional_or_alternation", Set.of("literal_slash_under_variable"));

    /** The index in the error ({@code issuer_patterns[i]}) of the refused pattern, else the last pattern. */
    private static int bypassedPatternIndex(JsonNode row) {
        for (JsonNode part : row.get("error_contains")) {
            java.util.regex.Matcher index = java.util.regex.Pattern.compile("^issuer_patterns\\[(\\d+)]$").matcher(part.asText());
            if (index.matches()) {
                return Integer.parseInt(index.group(1));
            }
        }
        return row.get("allowlist").get("issuer_patterns").size() - 1;
    }

    /** The wording of {@code span_check_reasons} that the error uses, which must be one its reason allows. */
    private static String spanReason(JsonNode row, PolicyException error) {
        List<String> used = SPAN_CHECK_REASONS.get(error.reason()).stream()
                .map(key -> CASES.get("span_check_reasons").get(key).asText())
                .filter(text -> error.getMessage().contains(": " + text + ", so the pattern"))
                .toList();
        assertThat(used).as("reason wording in " + row.get("id").asText()).hasSize(1);
        return used.getFirst();
    }

    private static String grpcCode(IssuerAllowlistDecision.Outcome outcome) {
        return switch (outcome) {
            case PASS -> "OK";
            case DENIED -> "PermissionDenied";
        };
    }
}
