package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The one explain entry point the CLI and the admin route share: invalid at which stage, or every check. */
class PolicyExplainerTest {
    private static final Map<String, Object> CLAIMS = Map.of("iss", "https://a.example", "sub", "x", "aud", "d");

    @Test
    void aPolicyThatDoesNotParseIsInvalidAtTheParseStage() {
        PolicyExplainer.Outcome outcome = PolicyExplainer.explain("issuer: https://a.example\nsubjekt: x\n", false, CLAIMS, "d");

        assertThat(outcome).isEqualTo(new PolicyExplainer.Invalid("parse",
                "error unmarshaling JSON: json: unknown field \"subjekt\"", OptionalInt.empty()));
    }

    @Test
    void aPolicyThatDoesNotCompileIsInvalidAtTheCompileStage() {
        PolicyExplainer.Outcome outcome = PolicyExplainer.explain("issuer: https://a.example\nsubject_pattern: '(x'\n",
                false, CLAIMS, "d");

        assertThat(outcome).isInstanceOfSatisfying(PolicyExplainer.Invalid.class, invalid -> {
            assertThat(invalid.stage()).isEqualTo("compile");
            assertThat(invalid.problem()).isEqualTo("error parsing regexp: missing closing ): `(x`");
        });
    }

    @Test
    void aValidPolicyIsExplainedWithTheSameVerdictAsTheCheck() throws PolicyException {
        String yaml = "issuer: https://a.example\nsubject: y\npermissions:\n  contents: read\n";

        PolicyExplainer.Outcome outcome = PolicyExplainer.explain(yaml, false, CLAIMS, "d");

        CheckResult expected = CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy(yaml, false)).check(CLAIMS, "d");
        assertThat(outcome).isInstanceOfSatisfying(PolicyExplainer.Explained.class, explained -> {
            assertThat(explained.explanation().result()).isEqualTo(expected);
            assertThat(explained.explanation().result().allowed()).isFalse();
            assertThat(explained.explanation().steps()).extracting(PolicyExplanation.Step::check)
                    .containsExactly("token", "issuer", "subject", "audience");
            assertThat(explained.explanation().permissions()).isEqualTo(Map.of("contents", "read"));
        });
    }
}
