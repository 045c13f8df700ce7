package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every compile, check_token and exchange row of trust_policy_cases.json. */
class TrustPolicyConformanceTest {
    private static final JsonNode CASES = Conformance.load("trust_policy_cases.json");

    static Stream<Arguments> compileRows() {
        return Conformance.rows(CASES, row -> row.path("kind").asText().equals("compile"));
    }

    static Stream<Arguments> checkTokenRows() {
        return Conformance.rows(CASES, row -> row.path("kind").asText().equals("check_token"));
    }

    static Stream<Arguments> exchangeRowsWithPolicy() {
        return Conformance.rows(CASES, row -> row.path("kind").asText().equals("exchange")
                && Conformance.text(row, "policy_yaml") != null);
    }

    @Test
    void theVectorsHoldTheExpectedNumberOfRows() {
        assertThat(compileRows()).hasSize(10);
        assertThat(checkTokenRows()).hasSize(20);
        assertThat(exchangeRowsWithPolicy()).hasSize(14);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("compileRows")
    void compile(String id, JsonNode row) throws PolicyException {
        TrustPolicy policy = PolicyParser.parseTrustPolicy(row.get("policy_yaml").asText(), row.get("org_policy").asBoolean());
        assertParsedAsListed(policy, row.get("policy"));
        if (row.get("expect").asText().equals("valid_policy")) {
            assertThat(CompiledTrustPolicy.compile(policy).policy()).isEqualTo(policy);
            return;
        }
        // What the exchange answers when such a policy is served: InvalidPolicyExchangeTest.
        PolicyException error = catchThrowableOfType(PolicyException.class, () -> CompiledTrustPolicy.compile(policy));
        assertThat(error).isNotNull();
        String exact = Conformance.text(row, "compile_error_exact");
        if (exact != null) {
            assertThat(error.reason()).isEqualTo("invalid_policy");
            assertThat(error).hasMessage(exact);
        } else {
            assertThat(error.reason()).as("a pattern RE2/J refuses").isEqualTo("invalid_pattern");
            assertThat(error.getMessage()).startsWith(row.get("compile_error_prefix").asText());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checkTokenRows")
    void checkToken(String id, JsonNode row) throws PolicyException {
        TrustPolicy policy = PolicyParser.parseTrustPolicy(row.get("policy_yaml").asText(), row.get("org_policy").asBoolean());
        assertParsedAsListed(policy, row.get("policy"));
        CompiledTrustPolicy compiled = CompiledTrustPolicy.compile(policy);

        CheckResult result = compiled.check(Conformance.claims(row.get("token_claims")), row.get("domain").asText());

        assertThat(result.verdict()).isEqualTo(row.get("expect").asText().equals("allow")
                ? CheckResult.Verdict.ALLOW : CheckResult.Verdict.DENIED);
        assertThat(grpcCode(result)).isEqualTo(row.get("expected_grpc_code").asText());
        String message = Conformance.text(row, "expected_message");
        if (message != null) {
            assertThat(result.message()).isEqualTo(message);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exchangeRowsWithPolicy")
    void exchangePoliciesParseAndCompile(String id, JsonNode row) throws PolicyException {
        TrustPolicy policy = PolicyParser.parseTrustPolicy(row.get("policy_yaml").asText(), row.get("org_policy").asBoolean());
        assertParsedAsListed(policy, row.get("policy"));
        CompiledTrustPolicy compiled = CompiledTrustPolicy.compile(policy);
        JsonNode claims = row.get("token_claims");
        if (row.get("expect").asText().equals("allow") && claims != null && !claims.isNull()) {
            assertThat(compiled.check(Conformance.claims(claims), "")).isEqualTo(CheckResult.allow());
        }
    }

    @Test
    void aRepoPolicyWithRepositoriesIsRefusedAndAnOrgPolicyAcceptsIt() throws PolicyException {
        String yaml = "issuer: https://token.actions.githubusercontent.com\nsubject: foo\nrepositories: [a, b]\n";
        assertThatThrownBy(() -> PolicyParser.parseTrustPolicy(yaml, false))
                .isInstanceOfSatisfying(PolicyException.class, e -> assertThat(e.reason()).isEqualTo("unknown_field"))
                .hasMessageContaining("unknown field \"repositories\"");
        assertThat(PolicyParser.parseTrustPolicy(yaml, true).repositories()).containsExactly("a", "b");
    }

    /** The parsed record holds what the row's {@code policy} object lists (absent keys are Go zero values). */
    private static void assertParsedAsListed(TrustPolicy policy, JsonNode listed) {
        assertThat(policy.issuer()).isEqualTo(listed.path("issuer").asText(""));
        assertThat(policy.issuerPattern()).isEqualTo(listed.path("issuer_pattern").asText(""));
        assertThat(policy.subject()).isEqualTo(listed.path("subject").asText(""));
        assertThat(policy.subjectPattern()).isEqualTo(listed.path("subject_pattern").asText(""));
        assertThat(policy.audience()).isEqualTo(listed.path("audience").asText(""));
        assertThat(policy.audiencePattern()).isEqualTo(listed.path("audience_pattern").asText(""));
        assertThat(policy.claimPattern()).isEqualTo(listed.has("claim_pattern")
                ? Conformance.JSON.convertValue(listed.get("claim_pattern"), Map.class) : Map.of());
        assertThat(policy.permissions()).isEqualTo(listed.has("permissions")
                ? Conformance.JSON.convertValue(listed.get("permissions"), Map.class) : Map.of());
        assertThat(policy.repositories()).isNull();
    }

    static String grpcCode(CheckResult result) {
        return switch (result.verdict()) {
            case ALLOW -> "OK";
            case INVALID_TOKEN -> "InvalidArgument";
            case DENIED -> "PermissionDenied";
        };
    }
}
