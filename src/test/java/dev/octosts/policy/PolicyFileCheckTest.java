package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Problems of policy files carry the exchange's message and the line where they are. */
class PolicyFileCheckTest {
    private static final JsonNode CASES = Conformance.load("trust_policy_cases.json");

    static Stream<Arguments> located() {
        return Stream.of(
                Arguments.of("bad subject pattern", PolicyFileCheck.Kind.REPO_POLICY,
                        "issuer: https://a.example\n# why\nsubject_pattern: 'repo:(a'\n", 3, "error parsing regexp: missing closing ): "),
                Arguments.of("bad claim pattern", PolicyFileCheck.Kind.REPO_POLICY,
                        "issuer: https://a.example\nsubject: s\nclaim_pattern:\n  ref: main\n  email: '*'\n", 5,
                        "error compiling claim_pattern[\"email\"]: error parsing regexp: missing argument to repetition operator: "),
                Arguments.of("bad pattern of a claim with dots in its name", PolicyFileCheck.Kind.REPO_POLICY,
                        "issuer: https://a.example\nsubject: s\nclaim_pattern:\n  https://a.example/groups: ok\n  https://a.example/team: '(x'\n", 5,
                        "error compiling claim_pattern[\"https://a.example/team\"]: error parsing regexp: missing closing ): "),
                Arguments.of("unknown key", PolicyFileCheck.Kind.REPO_POLICY,
                        "issuer: https://a.example\nsubject: s\nrepositories: [a]\n", 3, "error unmarshaling JSON: json: unknown field \"repositories\""),
                Arguments.of("unknown permission", PolicyFileCheck.Kind.ORG_POLICY,
                        "issuer: https://a.example\nsubject: s\npermissions:\n  contents: read\n  Contentz: write\n", 5,
                        "error unmarshaling JSON: json: unknown field \"Contentz\""),
                Arguments.of("case-insensitive key", PolicyFileCheck.Kind.REPO_POLICY,
                        "Issuer: https://a.example\nsubject: s\nIssuer_Pattern: '(x'\n", 3, "trust policy: only one of issuer or issuer_pattern"),
                Arguments.of("duplicate key", PolicyFileCheck.Kind.REPO_POLICY,
                        "issuer: https://a.example\nsubject: s\nsubject: t\n", 3, "error converting YAML to JSON: yaml: unmarshal errors:\n  line 3: key \"subject\" already set in map"),
                Arguments.of("YAML syntax", PolicyFileCheck.Kind.REPO_POLICY,
                        "issuer: https://a.example\nsubject: [s\n", 3, "error converting YAML to JSON: yaml: line 3: "),
                Arguments.of("wrong type", PolicyFileCheck.Kind.REPO_POLICY,
                        "issuer: https://a.example\nsubject:\n  - s\n", 2, "error unmarshaling JSON: json: cannot unmarshal array into Go struct field TrustPolicy.subject of type string"),
                Arguments.of("organization permission in a repo policy", PolicyFileCheck.Kind.REPO_POLICY,
                        "issuer: https://a.example\nsubject: s\npermissions:\n  contents: read\n  Members: write\n", 5,
                        "trust policy: permission \"members\" is organization-level: only an org policy"),
                Arguments.of("bad issuer in allowlist", PolicyFileCheck.Kind.ALLOWLIST,
                        "mode: enforce\nissuers:\n  - https://a.example\n  - ftp://b.example\n", 4, "invalid issuer \"ftp://b.example\""),
                Arguments.of("bad mode in allowlist", PolicyFileCheck.Kind.ALLOWLIST,
                        "issuers: [https://a.example]\nMode: warn\n", 2, "unknown mode \"warn\""),
                Arguments.of("bad pattern in allowlist", PolicyFileCheck.Kind.ALLOWLIST,
                        "issuer_patterns:\n  - 'https://a\\.example'\n  - 'https://(b'\n", 3, "invalid issuer_pattern"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("located")
    void problemsAreLocated(String name, PolicyFileCheck.Kind kind, String yaml, int line, String messageStart) {
        PolicyFileCheck.Problem problem = PolicyFileCheck.check(yaml, kind).orElseThrow();

        assertThat(problem.line()).isEqualTo(OptionalInt.of(line));
        assertThat(problem.message()).contains(messageStart);
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"members", "organization_secrets", "organization_plan"})
    void organizationPermissionsBelongToOrgPolicies(String permission) {
        String yaml = "issuer: https://a.example\nsubject: s\npermissions:\n  " + permission + ": read\n";

        assertThat(PolicyFileCheck.check(yaml, PolicyFileCheck.Kind.REPO_POLICY)).hasValueSatisfying(problem -> {
            assertThat(problem.reason()).isEqualTo("organization_permission");
            assertThat(problem.message()).contains("\"" + permission + "\"");
        });
        assertThat(PolicyFileCheck.check(yaml, PolicyFileCheck.Kind.ORG_POLICY)).isEmpty();
        assertThat(PolicyFileCheck.check(yaml.replace(permission, "contents"), PolicyFileCheck.Kind.REPO_POLICY)).isEmpty();
    }

    static Stream<Arguments> policyRows() {
        return Conformance.rows(CASES, row -> Conformance.text(row, "policy_yaml") != null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policyRows")
    void theMessageIsTheExchangesOwn(String id, JsonNode row) {
        String yaml = row.get("policy_yaml").asText();
        boolean org = row.get("org_policy").asBoolean();
        PolicyException thrown = catchThrowableOfType(PolicyException.class,
                () -> CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy(yaml, org)));

        var problem = PolicyFileCheck.check(yaml, org ? PolicyFileCheck.Kind.ORG_POLICY : PolicyFileCheck.Kind.REPO_POLICY);

        assertThat(problem.isPresent()).isEqualTo(row.get("expect").asText().equals("invalid_policy"));
        if (thrown != null) {
            assertThat(problem.orElseThrow().message()).isEqualTo(thrown.getMessage());
            assertThat(problem.orElseThrow().reason()).isEqualTo(thrown.reason());
        }
    }
}
