package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schemas under {@code schemas/} against every policy of the conformance data: valid policies validate,
 * structurally invalid ones do not, and semantically invalid ones (regex syntax, issuer URL rules, the span
 * check) validate, because no schema can see those; schemas/README.md lists which is which.
 */
class PolicySchemaTest {
    private static final JsonNode POLICY_CASES = Conformance.load("trust_policy_cases.json");
    private static final JsonNode ALLOWLIST_CASES = Conformance.load("org_trusted_issuers_cases.json").get("allowlist_cases");

    private static final JsonSchemaSubset TRUST_POLICY = schema("trust-policy.schema.json");
    private static final JsonSchemaSubset ORG_TRUST_POLICY = schema("org-trust-policy.schema.json");
    private static final JsonSchemaSubset ALLOWLIST = schema("trusted-token-issuers.schema.json");

    /** Compile failures a schema expresses: which keys must, may or must not be present together. */
    private static final Set<String> STRUCTURAL_POLICY_REASONS = Set.of("invalid_policy");
    /** Allowlist refusals a schema expresses (keys, enum, counts, lengths). */
    private static final Set<String> STRUCTURAL_ALLOWLIST_REASONS = Set.of("unknown_mode", "empty_allowlist",
            "unknown_field", "too_many_issuers", "too_many_issuer_patterns", "pattern_too_long");
    /** Allowlist refusals no schema can see: issuer URL rules and regex semantics. */
    private static final Set<String> SEMANTIC_ALLOWLIST_REASONS = Set.of("invalid_issuer", "uppercase_scheme_or_host",
            "invalid_regex", "pattern_can_match_slash", "slash_under_repetition_optional_or_alternation");

    private static JsonSchemaSubset schema(String name) {
        try {
            return new JsonSchemaSubset(Conformance.JSON.readTree(Files.readString(Path.of("schemas", name))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode tree(String yaml) throws PolicyException {
        return Conformance.JSON.valueToTree(YamlTree.parse(yaml));
    }

    static Stream<Arguments> policyRows() {
        return Conformance.rows(POLICY_CASES, row -> Conformance.text(row, "policy_yaml") != null);
    }

    static Stream<Arguments> allowlistRows() {
        return Conformance.rows(ALLOWLIST_CASES, row -> !row.path("reject_reason").asText().equals("yaml_syntax"));
    }

    @Test
    void everyPolicyAndAllowlistRowIsCovered() {
        assertThat(policyRows()).hasSize(44);
        assertThat(allowlistRows()).hasSize(105); // the one YAML syntax error has no tree to validate
        Set<String> reasons = new java.util.HashSet<>(STRUCTURAL_ALLOWLIST_REASONS);
        reasons.addAll(SEMANTIC_ALLOWLIST_REASONS);
        for (JsonNode row : ALLOWLIST_CASES) {
            if (!row.get("valid").asBoolean() && !row.get("reject_reason").asText().equals("yaml_syntax")) {
                assertThat(reasons).as(row.get("id").asText()).contains(row.get("reject_reason").asText());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policyRows")
    void trustPolicy(String id, JsonNode row) throws PolicyException {
        String yaml = row.get("policy_yaml").asText();
        boolean org = row.get("org_policy").asBoolean();
        List<String> errors = (org ? ORG_TRUST_POLICY : TRUST_POLICY).validate(tree(yaml));

        if (!row.get("expect").asText().equals("invalid_policy")) {
            assertThat(errors).as("a valid policy validates").isEmpty();
            return;
        }
        String reason = PolicyFileCheck.check(yaml, org ? PolicyFileCheck.Kind.ORG_POLICY : PolicyFileCheck.Kind.REPO_POLICY)
                .orElseThrow().reason();
        if (STRUCTURAL_POLICY_REASONS.contains(reason)) {
            assertThat(errors).as("structurally invalid").isNotEmpty();
        } else {
            assertThat(reason).isEqualTo("invalid_pattern");
            assertThat(errors).as("a regex syntax error is beyond a schema").isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allowlistRows")
    void allowlist(String id, JsonNode row) throws PolicyException {
        List<String> errors = ALLOWLIST.validate(tree(row.get("allowlist_yaml").asText()));

        if (row.get("valid").asBoolean()) {
            assertThat(errors).as("a valid allowlist validates").isEmpty();
        } else if (STRUCTURAL_ALLOWLIST_REASONS.contains(row.get("reject_reason").asText())) {
            assertThat(errors).as("structurally invalid").isNotEmpty();
        } else {
            assertThat(SEMANTIC_ALLOWLIST_REASONS).contains(row.get("reject_reason").asText());
            assertThat(errors).as("beyond a schema").isEmpty();
        }
    }

    static Stream<Arguments> structurallyInvalidPolicies() {
        return Stream.of(
                Arguments.of("unknown key", "issuer: https://a.example\nsubject: s\nsubjekt: t\n"),
                Arguments.of("repositories in a repo policy", "issuer: https://a.example\nsubject: s\nrepositories: [a]\n"),
                Arguments.of("both issuer and issuer_pattern", "issuer: https://a.example\nissuer_pattern: '.*'\nsubject: s\n"),
                Arguments.of("missing subject", "issuer: https://a.example\n"),
                Arguments.of("both audience and audience_pattern", "issuer: https://a.example\nsubject: s\naudience: a\naudience_pattern: b\n"),
                Arguments.of("unknown permission", "issuer: https://a.example\nsubject: s\npermissions:\n  contentz: read\n"),
                Arguments.of("unknown permission level", "issuer: https://a.example\nsubject: s\npermissions:\n  contents: owner\n"),
                Arguments.of("claim pattern not a string", "issuer: https://a.example\nsubject: s\nclaim_pattern:\n  ref: [a]\n"),
                Arguments.of("empty issuer", "issuer: ''\nsubject: s\n"),
                Arguments.of("organization-level permission", "issuer: https://a.example\nsubject: s\npermissions:\n  members: read\n"),
                Arguments.of("organization_* permission", "issuer: https://a.example\nsubject: s\npermissions:\n  organization_secrets: write\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("structurallyInvalidPolicies")
    void structurallyInvalidPoliciesFail(String name, String yaml) throws PolicyException {
        assertThat(TRUST_POLICY.validate(tree(yaml))).isNotEmpty();
    }

    static Stream<Arguments> structurallyInvalidAllowlists() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 65; i++) {
            many.add("  - https://issuer" + i + ".example");
        }
        return Stream.of(
                Arguments.of("bad mode", "mode: warn\nissuers: [https://a.example]\n", "unknown_mode"),
                Arguments.of("mode off (YAML 1.1 boolean)", "mode: off\nissuers: [https://a.example]\n", "unknown_mode"),
                Arguments.of("no entries", "mode: audit\nissuers: []\n", "empty_allowlist"),
                Arguments.of("unknown key", "issuers: [https://a.example]\nissuer: https://b.example\n", "unknown_field"),
                Arguments.of("too many issuers", "issuers:\n" + String.join("\n", many) + "\n", "too_many_issuers"),
                Arguments.of("pattern too long", "issuer_patterns: ['" + "a".repeat(257) + "']\n", "pattern_too_long"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("structurallyInvalidAllowlists")
    void structurallyInvalidAllowlistsFail(String name, String yaml, String reason) throws PolicyException {
        assertThat(ALLOWLIST.validate(tree(yaml))).isNotEmpty();
        assertThat(PolicyFileCheck.check(yaml, PolicyFileCheck.Kind.ALLOWLIST)).as("the exchange refuses it too")
                .hasValueSatisfying(problem -> assertThat(problem.reason()).isEqualTo(reason));
    }

    @Test
    void thePermissionNamesAreTheExchangesAndLevelsAreReadWriteAdmin() throws IOException {
        for (String name : List.of("trust-policy.schema.json", "org-trust-policy.schema.json")) {
            JsonNode schema = Conformance.JSON.readTree(Files.readString(Path.of("schemas", name)));
            assertThat(schema.get("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
            List<String> names = new ArrayList<>();
            schema.at("/$defs/permissions/properties").fieldNames().forEachRemaining(names::add);
            assertThat(names).as(name).isEqualTo(InstallationPermissions.NAMES);
            assertThat(schema.at("/$defs/permissions/additionalProperties").asBoolean(true)).isFalse();
            assertThat(schema.at("/$defs/level/enum")).extracting(JsonNode::asText).containsExactly("read", "write", "admin");
        }
    }

    @Test
    void onlyTheOrgPolicySchemaAllowsOrganizationLevelPermissionsAsTheExchangeDoes() throws PolicyException {
        for (String name : InstallationPermissions.NAMES) {
            String yaml = "issuer: https://a.example\nsubject: s\npermissions:\n  " + name + ": read\n";
            boolean repoValid = PolicyFileCheck.check(yaml, PolicyFileCheck.Kind.REPO_POLICY).isEmpty();
            assertThat(TRUST_POLICY.validate(tree(yaml)).isEmpty()).as(name).isEqualTo(repoValid)
                    .isEqualTo(!InstallationPermissions.isOrganizationLevel(name));
            assertThat(ORG_TRUST_POLICY.validate(tree(yaml))).as(name).isEmpty();
        }
    }

    @Test
    void anOrgPolicyMayListRepositoriesAndTheValidatorRefusesUnknownKeywords() throws PolicyException {
        String yaml = "issuer: https://a.example\nsubject: s\nrepositories: [a, b]\npermissions:\n  contents: read\n";
        assertThat(ORG_TRUST_POLICY.validate(tree(yaml))).isEmpty();
        assertThat(TRUST_POLICY.validate(tree(yaml))).isNotEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new JsonSchemaSubset(
                        Conformance.JSON.readTree("{\"type\":\"string\",\"pattern\":\"^a\"}")))
                .hasMessageContaining("keyword pattern is not supported");
    }
}
