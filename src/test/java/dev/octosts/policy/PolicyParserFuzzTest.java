package dev.octosts.policy;

import dev.octosts.gocompat.GoText;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.testing.FuzzArbitraries;
import dev.octosts.testing.FuzzArbitraries.Edit;
import dev.octosts.testing.Liveness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Fuzzing the policy reader (YAML, strict decoding, RE2 compilation) as a policy author or an attacker who
 * can push a policy file could: YAML-ish text, edited valid policies, hostile patterns. Every input either
 * compiles or fails with a {@link PolicyException} (a reason and a message), never another exception and
 * never a hang; a compiled policy answers any claims.
 */
class PolicyParserFuzzTest {
    private static final Duration LIVENESS = Duration.ofSeconds(20);
    private static final List<String> VALID = List.of("""
            issuer: https://token.actions.githubusercontent.com
            subject: repo:org/repo:ref:refs/heads/main
            permissions:
              contents: read
            """, """
            issuer_pattern: https://token\\.actions\\.githubusercontent\\.com
            subject_pattern: repo:org/[a-z]+:(ref:refs/heads/.*|pull_request)
            audience: octo-sts.test
            claim_pattern:
              job_workflow_ref: org/.github/.+@refs/heads/main
              email: "[^@]+@example\\\\.com"
            permissions:
              contents: write
              pull_requests: write
              issues: read
            repositories:
              - repo
              - other
            """, """
            mode: audit
            issuers:
              - https://token.actions.githubusercontent.com
              - https://gitlab.example.com
            issuer_patterns:
              - https://[a-z]+\\.example\\.com
            """, """
            base: &b {issuer: "https://x.test", subject: s}
            <<: *b
            permissions: {contents: read, metadata: read}
            """);
    private static final List<String> YAML_PIECES = List.of("issuer", "issuer_pattern", "subject", "subject_pattern",
            "audience", "audience_pattern", "claim_pattern", "permissions", "repositories", "mode", "issuers",
            "issuer_patterns", "contents", "read", "write", "admin", "enforce", "audit", "https://x.test", ": ", ":",
            "\n", "\n  ", "\n    ", "  ", "- ", "-", "[", "]", "{", "}", ",", "&a ", "*a", "&b ", "*b", "<<: ", "!!str ",
            "!!binary ", "!!int ", "!!map ", "!!seq ", "!!float ", "!!bool ", "!!null ", "!!merge ", "!!timestamp ",
            "!foo ", "'", "\"", "\\", "#", "|", "|-", ">", "---", "...", "%YAML 1.1\n", "%TAG ! tag:x:\n", "? ",
            "~", "null", "yes", "no", "on", "off", "y", "n", "0x1F", "0o17", "012", "1_000", "1e400", ".inf", "-.nan",
            "99999999999999999999999", "-9223372036854775809", "2001-12-14t21:59:43.10-05:00", ".*", "(", ")", "(?i)",
            "\\p{L}", "[^a]", "a{1000}", "a{2,}", "(a*)*", "\t", "\r\n", "\u0000", "\ufeff", "\u2028", "é", "😀");
    private static final String REGEX_CHARS = "()[]{}*+?|^$\\.-,:0123456789azAZ_PpLlNn<>=!#&~";

    /** One generated input: YAML-ish text, an edited valid policy, or a policy around one pattern. */
    private sealed interface Case {
        record Text(String yaml) implements Case {
        }

        record Edited(String policy, List<Edit> edits) implements Case {
        }

        record Pattern(String pattern, String claimValue) implements Case {
        }
    }

    @Property
    void anyPolicyTextCompilesOrIsRefusedWithAPolicyException(@ForAll("policyCase") Case input) throws Exception {
        switch (input) {
            case Case.Text(String yaml) -> readAllWays(yaml);
            case Case.Edited(String policy, List<Edit> edits) -> readAllWays(FuzzArbitraries.apply(policy, edits));
            case Case.Pattern(String pattern, String claimValue) -> compiledPatternAnswersAnyClaims(pattern, claimValue);
        }
    }

    private static void compiledPatternAnswersAnyClaims(String pattern, String subject) throws Exception {
        String yaml = "issuer: https://x.test\nsubject_pattern: " + GoText.quote(pattern) + "\nclaim_pattern:\n  ref: "
                + GoText.quote(pattern) + "\n";
        readAllWays(yaml);
        Optional<CompiledTrustPolicy> compiled = Liveness.within(LIVENESS, () -> {
            try {
                return Optional.of(CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy(yaml, false)));
            } catch (PolicyException refused) {
                return Optional.empty();
            }
        });
        if (compiled.isPresent()) {
            CheckResult result = Liveness.within(LIVENESS, () -> compiled.get().check(
                    Map.of("iss", "https://x.test", "sub", subject, "ref", subject, "aud", subject), "octo-sts.test"));
            assertThat(result).isNotNull();
        }
    }

    /** Found by this fuzzer: SnakeYAML threw NumberFormatException for an escape cut off by the end of the file. */
    @Example
    void anEscapeCutOffAtTheEndOfAQuotedScalarIsAYamlSyntaxError() {
        for (String yaml : List.of("subject: \"\\u", "subject: \"\\x", "subject: \"\\U00", "{issuer: \"\\x4")) {
            assertThat(PolicyFileCheck.check(yaml, PolicyFileCheck.Kind.REPO_POLICY)).as(yaml).hasValueSatisfying(
                    problem -> assertThat(problem.reason()).isEqualTo("yaml_syntax"));
        }
    }

    /** As a repo policy, an org policy and an org allowlist: each either compiles or names its problem. */
    private static void readAllWays(String yaml) throws Exception {
        for (PolicyFileCheck.Kind kind : PolicyFileCheck.Kind.values()) {
            Optional<PolicyFileCheck.Problem> problem = Liveness.within(LIVENESS, () -> PolicyFileCheck.check(yaml, kind));
            problem.ifPresent(p -> {
                assertThat(p.reason()).as(p.message()).isNotBlank();
                assertThat(p.message()).isNotBlank();
            });
        }
    }

    @Provide
    Arbitrary<Case> policyCase() {
        return Arbitraries.oneOf(yamlIsh().map(Case.Text::new),
                Combinators.combine(Arbitraries.of(VALID), yamlEdits()).as(Case.Edited::new),
                Combinators.combine(pattern(), FuzzArbitraries.text(60)).as(Case.Pattern::new));
    }

    private Arbitrary<String> yamlIsh() {
        Arbitrary<String> piece = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.of(YAML_PIECES)),
                Tuple.of(1, FuzzArbitraries.text(8)));
        return Arbitraries.frequencyOf(Tuple.of(4, piece.list().ofMaxSize(40).map(pieces -> String.join("", pieces))),
                Tuple.of(1, FuzzArbitraries.text(200)));
    }

    private Arbitrary<List<Edit>> yamlEdits() {
        return FuzzArbitraries.edits(" \n:-[]{},&*!|>'\"#?%@`<=~0123456789abcdefghijklmnopqrstuvwxyz_.\\", 5);
    }

    private Arbitrary<String> pattern() {
        return Arbitraries.oneOf(Arbitraries.strings().withChars(REGEX_CHARS).ofMaxLength(30),
                Arbitraries.of("(a*)*b", "a{1000}{1000}", "((((((((((a))))))))))", "\\p{Greek}+", "\\C", "(?P<n>x)",
                        "(?<n>x)", "\\Q...\\E", "[[:alpha:]]", "\\pN", "(?i)(?s)(?m)(?U)", "\\b\\B\\A\\z", "x{1001}",
                        "[\\x{10FFFF}-\\x{0}]", "a**", "(?=x)", "\\1", ".{0,1000}.{0,1000}.{0,1000}"),
                FuzzArbitraries.text(30));
    }
}
