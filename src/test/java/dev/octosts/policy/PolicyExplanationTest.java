package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** explain() over every row with a policy and a token: the verdict is check()'s, the steps agree with it. */
class PolicyExplanationTest {
    private static final JsonNode CASES = Conformance.load("trust_policy_cases.json");

    static Stream<Arguments> rowsWithPolicyAndToken() {
        return Conformance.rows(CASES, row -> Conformance.text(row, "policy_yaml") != null
                && row.path("token_claims").isObject() && !row.get("expect").asText().equals("invalid_policy"));
    }

    @Test
    void allRowsWithATokenAreCovered() {
        assertThat(rowsWithPolicyAndToken()).hasSize(33); // 20 check_token, 13 exchange
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rowsWithPolicyAndToken")
    void theVerdictIsChecksAndTheFirstFailingStepGivesItsMessage(String id, JsonNode row) throws PolicyException {
        CompiledTrustPolicy policy = CompiledTrustPolicy.compile(
                PolicyParser.parseTrustPolicy(row.get("policy_yaml").asText(), row.get("org_policy").asBoolean()));
        Map<String, Object> claims = Conformance.claims(row.get("token_claims"));
        String domain = row.get("domain").asText();

        PolicyExplanation explanation = policy.explain(claims, domain);

        assertThat(explanation.result()).isEqualTo(policy.check(claims, domain));
        List<PolicyExplanation.Step> failed = explanation.steps().stream().filter(step -> !step.passed()).toList();
        if (explanation.result().allowed()) {
            assertThat(failed).isEmpty();
        } else {
            assertThat(failed.getFirst().failure()).isEqualTo(explanation.result().message());
        }
        if (row.get("kind").asText().equals("check_token")) {
            assertThat(explanation.result().allowed()).isEqualTo(row.get("expect").asText().equals("allow"));
            // token, issuer, subject, audience, then one step per claim pattern
            assertThat(explanation.steps()).extracting(PolicyExplanation.Step::check).startsWith("token", "issuer", "subject", "audience")
                    .hasSize(4 + policy.policy().claimPattern().size());
        }
        assertThat(explanation.permissions()).isEqualTo(policy.policy().permissions());
    }

    @Test
    void everyCheckIsEvaluatedAndTheVerdictIsTheFirstFailure() throws PolicyException {
        CompiledTrustPolicy policy = CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy("""
                issuer: https://token.example
                subject_pattern: 'repo:org/app:ref:refs/heads/(main|release)'
                claim_pattern:
                  email_verified: 'true'
                  age: '[0-9]+'
                  team: 'core'
                permissions:
                  contents: read
                  issues: write
                """, false));
        Map<String, Object> claims = Map.of("iss", "https://other.example", "sub", "repo:org/app:ref:refs/heads/dev",
                "aud", List.of("sts.example"), "email_verified", true, "age", 42);

        PolicyExplanation explanation = policy.explain(claims, "sts.example");

        assertThat(explanation.steps()).extracting(PolicyExplanation.Step::check, PolicyExplanation.Step::passed)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("token", true),
                        org.assertj.core.groups.Tuple.tuple("issuer", false),
                        org.assertj.core.groups.Tuple.tuple("subject", false),
                        org.assertj.core.groups.Tuple.tuple("audience", true),
                        org.assertj.core.groups.Tuple.tuple("claim \"email_verified\"", true),
                        org.assertj.core.groups.Tuple.tuple("claim \"age\"", false),
                        org.assertj.core.groups.Tuple.tuple("claim \"team\"", false));
        assertThat(explanation.steps().get(1)).isEqualTo(new PolicyExplanation.Step("issuer", "\"https://other.example\"",
                "equals \"https://token.example\"",
                "trust policy: issuer \"https://other.example\" did not match \"https://token.example\""));
        assertThat(explanation.steps().get(2).expected())
                .isEqualTo("matches pattern \"repo:org/app:ref:refs/heads/(main|release)\"");
        assertThat(explanation.steps().get(3).expected())
                .isEqualTo("includes \"sts.example\" (the STS domain: the policy names no audience)");
        assertThat(explanation.steps().get(5).seen()).isEqualTo("42 (number)");
        assertThat(explanation.steps().get(6).seen()).isEqualTo("(absent)");
        assertThat(explanation.result()).isEqualTo(policy.check(claims, "sts.example"));
        assertThat(explanation.result().reason()).isEqualTo("issuer_mismatch");
        assertThat(explanation.permissions()).containsExactly(Map.entry("contents", "read"), Map.entry("issues", "write"));
        assertThat(explanation.repositories()).isNull();
    }

    @Test
    void aMalformedTokenStopsAtTheTokenStep() throws PolicyException {
        CompiledTrustPolicy policy = CompiledTrustPolicy.compile(
                PolicyParser.parseTrustPolicy("issuer: https://token.example\nsubject: s\n", false));
        Map<String, Object> claims = Map.of("iss", "not a url", "sub", "s", "aud", "a");

        PolicyExplanation explanation = policy.explain(claims, "a");

        assertThat(explanation.steps()).singleElement().satisfies(step -> {
            assertThat(step.check()).isEqualTo("token");
            assertThat(step.failure()).isEqualTo("invalid issuer in token");
        });
        assertThat(explanation.result()).isEqualTo(policy.check(claims, "a"));
        assertThat(explanation.result().verdict()).isEqualTo(CheckResult.Verdict.INVALID_TOKEN);
    }

    @Test
    void anOrgPolicyListsItsRepositories() throws PolicyException {
        CompiledTrustPolicy policy = CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy(
                "issuer: https://token.example\nsubject: s\nrepositories: [app, docs]\n", true));

        PolicyExplanation explanation = policy.explain(
                Map.of("iss", "https://token.example", "sub", "s", "aud", "sts.example"), "sts.example");

        assertThat(explanation.result().allowed()).isTrue();
        assertThat(explanation.repositories()).containsExactly("app", "docs");
    }
}
