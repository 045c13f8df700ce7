package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.policy.CheckResult;
import dev.octosts.policy.CompiledTrustPolicy;
import dev.octosts.policy.PolicyException;
import dev.octosts.policy.PolicyParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code octo-sts policy explain} over every policy with a token in the conformance data. */
class PolicyExplainCommandTest {
    private static final JsonNode CASES = PolicyCommandRun.conformance("trust_policy_cases.json");
    private static final String NL = System.lineSeparator();

    @TempDir
    Path dir;

    static Stream<Arguments> rowsWithPolicyAndToken() {
        return StreamSupport.stream(CASES.spliterator(), false)
                .filter(row -> row.hasNonNull("policy_yaml") && row.path("token_claims").isObject())
                .map(row -> Arguments.of(row.get("id").asText(), row));
    }

    @Test
    void allRowsWithATokenAreCovered() {
        assertThat(rowsWithPolicyAndToken()).hasSize(33);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rowsWithPolicyAndToken")
    void theVerdictIsTheExchanges(String id, JsonNode row) throws IOException, PolicyException {
        String name = PolicyCommandRun.fileName(id);
        Path policy = Files.writeString(dir.resolve(name + ".sts.yaml"), row.get("policy_yaml").asText());
        Path claims = Files.writeString(dir.resolve(name + ".claims.json"), row.get("token_claims").toString());
        boolean org = row.get("org_policy").asBoolean();
        List<String> args = new ArrayList<>(List.of("explain", "--policy", policy.toString(), "--claims", claims.toString(),
                "--domain", row.get("domain").asText()));
        if (org) {
            args.add("--org");
        }

        PolicyCommandRun run = PolicyCommandRun.run(args.toArray(String[]::new));

        @SuppressWarnings("unchecked")
        Map<String, Object> claimMap = PolicyCommandRun.JSON.convertValue(row.get("token_claims"), Map.class);
        CheckResult expected = CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy(row.get("policy_yaml").asText(), org))
                .check(claimMap, row.get("domain").asText());
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).contains("claims: from " + claims + NL).contains(NL + "checks:" + NL)
                .contains("  1. token: pass" + NL).contains("  2. issuer: ").contains("  3. subject: ").contains("  4. audience: ");
        if (expected.allowed()) {
            assertThat(run.out()).contains(NL + "verdict: allow" + NL + "permissions granted:" + NL).doesNotContain("FAIL");
            assertThat(run.exit()).isZero();
        } else {
            assertThat(run.out()).contains(NL + "verdict: deny (PermissionDenied): " + expected.message() + NL)
                    .contains(": FAIL" + NL).contains("       denial:   " + expected.message() + NL);
            assertThat(run.exit()).isEqualTo(1);
        }
        if (row.get("kind").asText().equals("check_token")) {
            assertThat(expected.allowed()).isEqualTo(row.get("expect").asText().equals("allow"));
            String message = row.path("expected_message").asText(null);
            if (message != null) {
                assertThat(run.out()).contains("verdict: deny (PermissionDenied): " + message + NL);
            }
        }
    }

    @Test
    void withoutDomainTheAudienceCheckSaysToGiveIt() throws IOException {
        Path policy = Files.writeString(dir.resolve("ci.sts.yaml"), "issuer: https://a.example\nsubject: s\n");
        String token = jwt(Map.of("iss", "https://a.example", "sub", "s", "aud", "sts.example"));

        PolicyCommandRun without = PolicyCommandRun.run("explain", "--policy", policy.toString(), "--token", token);
        PolicyCommandRun with = PolicyCommandRun.run("explain", "--policy", policy.toString(), "--token", token,
                "--domain", "sts.example");

        assertThat(without.out()).contains("  4. audience: FAIL" + NL).contains(
                "       hint:     a policy that names no audience requires the STS domain: give it with --domain" + NL);
        assertThat(with.out()).contains("  4. audience: pass" + NL).doesNotContain("hint:");
        assertThat(with.exit()).isZero();
    }

    @Test
    void anOrgPolicyExplainedWithoutOrgHintsAtIt() throws IOException {
        Path policy = Files.writeString(dir.resolve("org.sts.yaml"), "issuer: https://a.example\nsubject: s\nrepositories:\n  - app\n");
        String token = jwt(Map.of("iss", "https://a.example", "sub", "s", "aud", "sts.example"));

        PolicyCommandRun run = PolicyCommandRun.run("explain", "--policy", policy.toString(), "--token", token,
                "--domain", "sts.example");

        assertThat(run.out()).endsWith("hint: it is a valid org policy (in the org policy repository): explain it with --org" + NL);
        assertThat(run.exit()).isEqualTo(1);
    }

    @Test
    void explainsEachCheckOfATokenWithoutVerifyingOrPrintingIt() throws IOException {
        Path policy = Files.writeString(dir.resolve("ci.sts.yaml"), """
                issuer: https://token.actions.githubusercontent.com
                subject_pattern: 'repo:org/app:ref:refs/heads/(main|release)'
                claim_pattern:
                  workflow_ref: 'org/app/\\.github/workflows/release\\.yaml@.*'
                permissions:
                  contents: write
                """);
        String token = jwt(Map.of("iss", "https://token.actions.githubusercontent.com", "sub", "repo:org/app:ref:refs/heads/main",
                "aud", "sts.example", "workflow_ref", "org/app/.github/workflows/ci.yaml@refs/heads/main"));

        PolicyCommandRun run = PolicyCommandRun.run("explain", "--policy", policy.toString(), "--token", token,
                "--domain", "sts.example");

        assertThat(run.out()).isEqualTo(String.join(NL,
                "policy: " + policy + " (repository policy)",
                "claims: from --token (signature not verified)",
                "domain: \"sts.example\"",
                "checks:",
                "  1. token: pass",
                "       seen:     iss \"https://token.actions.githubusercontent.com\", sub \"repo:org/app:ref:refs/heads/main\", aud [\"sts.example\"]",
                "       requires: iss, sub and every aud well-formed",
                "  2. issuer: pass",
                "       seen:     \"https://token.actions.githubusercontent.com\"",
                "       requires: equals \"https://token.actions.githubusercontent.com\"",
                "  3. subject: pass",
                "       seen:     \"repo:org/app:ref:refs/heads/main\"",
                "       requires: matches pattern \"repo:org/app:ref:refs/heads/(main|release)\"",
                "  4. audience: pass",
                "       seen:     [\"sts.example\"]",
                "       requires: includes \"sts.example\" (the STS domain: the policy names no audience)",
                "  5. claim \"workflow_ref\": FAIL",
                "       seen:     \"org/app/.github/workflows/ci.yaml@refs/heads/main\"",
                "       requires: matches pattern \"org/app/\\\\.github/workflows/release\\\\.yaml@.*\"",
                "       denial:   trust policy: claim \"workflow_ref\" did not match \"^org/app/\\\\.github/workflows/release\\\\.yaml@.*$\"",
                "verdict: deny (PermissionDenied): trust policy: claim \"workflow_ref\" did not match \"^org/app/\\\\.github/workflows/release\\\\.yaml@.*$\"",
                "permissions (granted only when allowed):",
                "  contents: write",
                "repositories: the repository of the scope only") + NL);
        assertThat(run.out() + run.err()).doesNotContain(token).doesNotContain(token.split("\\.")[1]);
        assertThat(run.exit()).isEqualTo(1);
    }

    @Test
    void readsTheTokenFromStandardInputWithDash() throws IOException {
        Path policy = Files.writeString(dir.resolve("p.sts.yaml"), "issuer: https://a.example\nsubject: s\naudience: sts\n");
        String token = jwt(Map.of("iss", "https://a.example", "sub", "s", "aud", List.of("sts")));

        PolicyCommandRun run = PolicyCommandRun.runWithInput(token + "\n", "explain", "--policy", policy.toString(), "--token", "-");

        assertThat(run.out()).contains("claims: from --token (signature not verified)").contains("verdict: allow")
                .doesNotContain(token);
        assertThat(run.exit()).isZero();
    }

    @Test
    void anOrgPolicyShowsItsRepositoriesAndAMalformedTokenIsAnInvalidArgument() throws IOException {
        Path policy = Files.writeString(dir.resolve("org.sts.yaml"),
                "issuer: https://a.example\nsubject: s\naudience: sts\nrepositories: [app, docs]\npermissions:\n  issues: read\n");
        Path good = Files.writeString(dir.resolve("good.json"), "{\"iss\":\"https://a.example\",\"sub\":\"s\",\"aud\":[\"sts\",\"x\"]}");
        Path malformed = Files.writeString(dir.resolve("bad.json"), "{\"iss\":\"https://a.example\",\"sub\":\"s\\u0000\",\"aud\":\"sts\"}");

        PolicyCommandRun allowed = PolicyCommandRun.run("explain", "--org", "--policy", policy.toString(), "--claims", good.toString());
        PolicyCommandRun invalid = PolicyCommandRun.run("explain", "--org", "--policy", policy.toString(), "--claims", malformed.toString());

        assertThat(allowed.out()).contains("policy: " + policy + " (org policy)" + NL)
                .contains("       requires: includes \"sts\"" + NL)
                .endsWith("verdict: allow" + NL + "permissions granted:" + NL + "  issues: read" + NL
                        + "repositories: \"app\", \"docs\"" + NL);
        assertThat(allowed.exit()).isZero();
        assertThat(invalid.out()).contains("  1. token: FAIL" + NL)
                .contains("verdict: deny (InvalidArgument): invalid subject in token" + NL).doesNotContain("2. issuer");
        assertThat(invalid.exit()).isEqualTo(1);
    }

    @Test
    void anInvalidPolicyIsReportedWithItsLine() throws IOException {
        Path policy = Files.writeString(dir.resolve("bad.sts.yaml"), "issuer: https://a.example\nsubject_pattern: '(x'\n");
        Path claims = Files.writeString(dir.resolve("c.json"), "{\"iss\":\"https://a.example\",\"sub\":\"x\",\"aud\":\"d\"}");

        PolicyCommandRun run = PolicyCommandRun.run("explain", "--policy", policy.toString(), "--claims", claims.toString());

        assertThat(run.out()).contains("invalid policy: " + policy + ":2: error parsing regexp: missing closing ): `(x`" + NL)
                .endsWith("verdict: deny (NotFound): unable to compile trust policy found for \"bad\"" + NL);
        assertThat(run.exit()).isEqualTo(1);

        Path unparsable = Files.writeString(dir.resolve("typo.sts.yaml"), "issuer: https://a.example\nsubjekt: x\n");
        PolicyCommandRun typo = PolicyCommandRun.run("explain", "--policy", unparsable.toString(), "--claims", claims.toString());
        assertThat(typo.out()).contains("invalid policy: " + unparsable + ":2: error unmarshaling JSON: json: unknown field \"subjekt\"" + NL)
                .endsWith("verdict: deny (NotFound): unable to parse trust policy found for \"typo\"" + NL);
        assertThat(typo.exit()).isEqualTo(1);
    }

    static String jwt(Map<String, Object> claims) throws IOException {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        return base64.encodeToString("{\"alg\":\"RS256\",\"kid\":\"k\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString(PolicyCommandRun.JSON.writeValueAsBytes(claims)) + "."
                + base64.encodeToString("not-a-real-signature".getBytes(StandardCharsets.UTF_8));
    }
}
