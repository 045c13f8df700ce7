package dev.octosts.policy;

import dev.octosts.gocompat.GoText;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** sigs.k8s.io/yaml UnmarshalStrict semantics of trust policy files (README rules 1–5) and the input bounds. */
class PolicyParserTest {
    private static final String BASE = "issuer: https://token.actions.githubusercontent.com\nsubject: foo\n";

    private static TrustPolicy parse(String yaml) throws PolicyException {
        return PolicyParser.parseTrustPolicy(yaml, false);
    }

    private static PolicyException refused(String yaml, boolean orgPolicy) {
        PolicyException error = catchThrowableOfType(PolicyException.class,
                () -> PolicyParser.parseTrustPolicy(yaml, orgPolicy));
        assertThat(error).as("refused: %s", yaml.length() > 80 ? yaml.substring(0, 80) : yaml).isNotNull();
        return error;
    }

    /** YAML 1.1 scalar → the string an issuer/subject/claim_pattern field receives. */
    static Stream<Arguments> stringifiedScalars() {
        return Stream.of(
                Arguments.of("yes", "true"), Arguments.of("Yes", "true"), Arguments.of("on", "true"),
                Arguments.of("ON", "true"), Arguments.of("y", "true"), Arguments.of("no", "false"),
                Arguments.of("off", "false"), Arguments.of("n", "false"), Arguments.of("True", "true"),
                Arguments.of("0x1F", "31"), Arguments.of("012", "10"), Arguments.of("0o12", "10"),
                Arguments.of("0b101", "5"), Arguments.of("1_000", "1000"), Arguments.of("+7", "7"),
                Arguments.of("-0x1f", "-31"), Arguments.of("08", "8"), Arguments.of("9223372036854775808", "9223372036854775808"),
                Arguments.of("1.5", "1.5"), Arguments.of("3.14159265358979", "3.1415927"), Arguments.of("1e6", "1e+06"),
                Arguments.of("100000.0", "100000"), Arguments.of("0.00001", "1e-05"), Arguments.of(".5", "0.5"),
                Arguments.of("99999999999999999999999", "1e+23"), Arguments.of(".inf", "+Inf"),
                Arguments.of("-.Inf", "-Inf"), Arguments.of(".nan", "NaN"),
                Arguments.of("'yes'", "yes"), Arguments.of("\"0x1F\"", "0x1F"), Arguments.of("!!str 012", "012"),
                Arguments.of("!!float 1", "1"), Arguments.of("2001-12-14", "2001-12-14"), Arguments.of("yess", "yess"),
                Arguments.of("0x", "0x"), Arguments.of("1.2.3", "1.2.3"), Arguments.of("tRUE", "tRUE"),
                Arguments.of("!!binary aGVsbG8=", "hello"), Arguments.of("!custom text", "text"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("stringifiedScalars")
    void scalarsAreStringifiedLikeSigsYaml(String scalar, String expected) throws PolicyException {
        TrustPolicy policy = parse("issuer: x\nsubject: " + scalar + "\nclaim_pattern:\n  c: " + scalar
                + "\npermissions:\n  contents: " + scalar + "\n");
        assertThat(policy.subject()).isEqualTo(expected);
        assertThat(policy.claimPattern()).containsEntry("c", expected);
        assertThat(policy.permissions()).containsEntry("contents", expected);
    }

    @Test
    void aBooleanClaimPatternEqualsTheQuotedString() throws PolicyException {
        assertThat(parse(BASE + "claim_pattern:\n  email_verified: true\n").claimPattern())
                .isEqualTo(parse(BASE + "claim_pattern:\n  email_verified: 'true'\n").claimPattern())
                .containsExactly(Map.entry("email_verified", "true"));
    }

    @Test
    void nullAndEmptyValuesLeaveTheZeroValue() throws PolicyException {
        TrustPolicy policy = parse("issuer:\nsubject: ~\naudience: null\nclaim_pattern:\npermissions: ~\n");
        assertThat(policy).isEqualTo(new TrustPolicy("", "", "", "", "", "", Map.of(), Map.of(), null));
        assertThat(parse(BASE + "claim_pattern:\n  a: ~\n  b:\n").claimPattern()).containsExactly(
                Map.entry("a", ""), Map.entry("b", ""));
    }

    @Test
    void anEmptyDocumentIsTheZeroPolicyWhichDoesNotCompile() throws PolicyException {
        for (String yaml : List.of("", "# only a comment\n", "---\n")) {
            TrustPolicy policy = parse(yaml);
            assertThat(policy).isEqualTo(new TrustPolicy(null, null, null, null, null, null, null, null, null));
            PolicyException error = catchThrowableOfType(PolicyException.class, () -> CompiledTrustPolicy.compile(policy));
            assertThat(error).hasMessage("trust policy: one of issuer or issuer_pattern must be set, got neither");
        }
    }

    @Test
    void anUnknownKeyIsRefused() {
        PolicyException error = refused(BASE + "isuer: https://example.com\n", false);
        assertThat(error.reason()).isEqualTo("unknown_field");
        assertThat(error).hasMessage("error unmarshaling JSON: json: unknown field \"isuer\"");
    }

    @Test
    void aDuplicateKeyIsRefused() {
        PolicyException error = refused(BASE + "subject: bar\n", false);
        assertThat(error.reason()).isEqualTo("duplicate_key");
        assertThat(error.getMessage()).contains("line 3: key \"subject\" already set in map");

        assertThat(refused(BASE + "claim_pattern:\n  a: x\n  a: y\n", false).reason()).isEqualTo("duplicate_key");
        // 1 and 01 are the same integer key; yes and true the same boolean key.
        assertThat(refused(BASE + "claim_pattern:\n  1: x\n  01: y\n", false).reason()).isEqualTo("duplicate_key");
        assertThat(refused(BASE + "claim_pattern:\n  yes: x\n  true: y\n", false).reason()).isEqualTo("duplicate_key");
    }

    @Test
    void keysMatchCaseInsensitivelyLikeEncodingJson() throws PolicyException {
        TrustPolicy policy = parse("Issuer: https://example.com\nSUBJECT_PATTERN: '[0-9]+'\n"
                + "Claim_Pattern:\n  Email: x\nPermissions:\n  Pull_Requests: write\n");
        assertThat(policy.issuer()).isEqualTo("https://example.com");
        assertThat(policy.subjectPattern()).isEqualTo("[0-9]+");
        assertThat(policy.claimPattern()).containsExactly(Map.entry("Email", "x")); // claim names are map keys: kept
        assertThat(policy.permissions()).containsExactly(Map.entry("pull_requests", "write"));
        // Unicode folding as in Go: the long s (U+017F) folds to s.
        assertThat(parse("i\u017Fsuer: a\nsubject: b\n").issuer()).isEqualTo("a");
    }

    @Test
    void keysDifferingOnlyInCaseFollowGoByteOrder() throws PolicyException {
        // Go's json.Marshal sorts keys, so "Issuer" is decoded before "issuer" and the later one wins...
        assertThat(parse("issuer: a\nIssuer: b\nsubject: s\n").issuer()).isEqualTo("a");
        assertThat(parse("Issuer: b\nissuer: a\nsubject: s\n").issuer()).isEqualTo("a");
        // ...but null leaves a string as it was, and a second map merges into the first.
        assertThat(parse("Issuer: b\nissuer: ~\nsubject: s\n").issuer()).isEqualTo("b");
        assertThat(parse(BASE + "claim_pattern: {a: x}\nCLAIM_PATTERN: {b: z}\n").claimPattern())
                .containsOnly(Map.entry("a", "x"), Map.entry("b", "z"));
        assertThat(parse(BASE + "permissions: {contents: read, Contents: write}\n").permissions())
                .containsExactly(Map.entry("contents", "read"));
    }

    @Test
    void repositoriesBelongToOrgPoliciesOnly() throws PolicyException {
        assertThat(refused(BASE + "repositories: [a]\n", false).reason()).isEqualTo("unknown_field");
        assertThat(PolicyParser.parseTrustPolicy(BASE, true).repositories()).isNull();
        assertThat(PolicyParser.parseTrustPolicy(BASE + "repositories: []\n", true).repositories()).isEmpty();
        assertThat(PolicyParser.parseTrustPolicy(BASE + "repositories: ~\n", true).repositories()).isNull();
        assertThat(PolicyParser.parseTrustPolicy(BASE + "repositories: [repo, 12, yes, ~]\n", true).repositories())
                .containsExactly("repo", "12", "true", "");
        PolicyException error = refused(BASE + "repositories: repo\n", true);
        assertThat(error.reason()).isEqualTo("wrong_type");
        assertThat(error).hasMessage("error unmarshaling JSON: json: cannot unmarshal string into Go struct field "
                + "OrgTrustPolicy.repositories of type []string");
    }

    @Test
    void allSeventyFivePermissionNamesAreAcceptedInFileOrder() throws PolicyException {
        List<String> names = InstallationPermissions.NAMES.reversed();
        String yaml = BASE + "permissions:\n" + names.stream().map(n -> "  " + n + ": read\n").collect(Collectors.joining());
        Map<String, String> expected = new LinkedHashMap<>();
        names.forEach(n -> expected.put(n, "read"));
        assertThat(InstallationPermissions.NAMES).hasSize(75).doesNotHaveDuplicates();
        assertThat(parse(yaml).permissions()).containsExactlyEntriesOf(expected);
    }

    @Test
    void aMisspelledPermissionIsRefused() {
        PolicyException error = refused(BASE + "permissions:\n  pull_request: write\n", false);
        assertThat(error.reason()).isEqualTo("unknown_field");
        assertThat(error.getMessage()).contains("unknown field \"pull_request\"");
    }

    @Test
    void aNullPermissionIsNotRequestedAndLevelsAreNotValidated() throws PolicyException {
        assertThat(parse(BASE + "permissions:\n  contents: ~\n  issues: superuser\n").permissions())
                .containsExactly(Map.entry("issues", "superuser"));
    }

    @Test
    void valuesOfTheWrongShapeAreRefused() {
        assertThat(refused(BASE.replace("subject: foo", "subject: [foo]"), false))
                .hasMessage("error unmarshaling JSON: json: cannot unmarshal array into Go struct field "
                        + "TrustPolicy.subject of type string")
                .satisfies(e -> assertThat(e.reason()).isEqualTo("wrong_type"));
        assertThat(refused(BASE + "claim_pattern: email\n", false).getMessage())
                .contains("cannot unmarshal string into Go struct field TrustPolicy.claim_pattern of type map[string]string");
        assertThat(refused(BASE + "claim_pattern:\n  email: {a: b}\n", false).getMessage())
                .contains("cannot unmarshal object into Go struct field TrustPolicy.claim_pattern of type string");
        assertThat(refused(BASE + "permissions: [contents]\n", false).getMessage())
                .contains("of type github.InstallationPermissions");
        assertThat(refused("- issuer: x\n", false))
                .hasMessage("error unmarshaling JSON: json: cannot unmarshal array into Go value of type octosts.TrustPolicy");
        assertThat(refused("just text\n", true).getMessage()).contains("Go value of type octosts.OrgTrustPolicy");
        assertThat(refused(BASE + "audience: !!int abc\n", false).getMessage())
                .contains("yaml: cannot decode !!str `abc` as a !!int");
    }

    @Test
    void mapKeysThatJsonCannotHoldAreRefused() {
        assertThat(refused(BASE + "claim_pattern:\n  ~: x\n", false))
                .satisfies(e -> assertThat(e.reason()).isEqualTo("unsupported_key"))
                .hasMessageContaining("unsupported map key of type: <nil>");
        assertThat(refused(BASE + "claim_pattern:\n  ? [a]\n  : x\n", false).reason()).isEqualTo("unsupported_key");
    }

    @Test
    void nonStringKeysBecomeStrings() throws PolicyException {
        assertThat(parse(BASE + "claim_pattern:\n  1: a\n  yes: b\n  1.5: c\n").claimPattern())
                .containsExactly(Map.entry("1", "a"), Map.entry("true", "b"), Map.entry("1.5", "c"));
    }

    @Test
    void mergeKeysWorkAndOverlapsAreDuplicates() throws PolicyException {
        String anchors = "claim_pattern:\n  <<: &base {repository: org/repo}\n  ref: refs/heads/main\n";
        assertThat(PolicyParser.parseTrustPolicy(BASE + anchors, false).claimPattern())
                .containsOnly(Map.entry("repository", "org/repo"), Map.entry("ref", "refs/heads/main"));
        assertThat(refused(BASE + "claim_pattern:\n  <<: {a: x}\n  a: y\n", false).reason()).isEqualTo("duplicate_key");
        assertThat(refused(BASE + "claim_pattern:\n  <<: [x]\n", false).getMessage())
                .contains("map merge requires map or sequence of maps");
    }

    @Test
    void onlyTheFirstDocumentIsRead() throws PolicyException {
        assertThat(parse(BASE + "---\nsubject: other\n").subject()).isEqualTo("foo");
    }

    @Test
    void malformedYamlIsASyntaxErrorWithItsLine() {
        PolicyException error = refused(BASE + "claim_pattern: [\n", false);
        assertThat(error.reason()).isEqualTo("yaml_syntax");
        assertThat(error.getMessage()).startsWith("error converting YAML to JSON: yaml: line 4: ");
        assertThat(refused(BASE + "audience: *nowhere\n", false).reason()).isEqualTo("yaml_syntax");
        assertThat(refused("issuer: \u0001\n", false).reason()).isEqualTo("yaml_syntax");
    }

    @Test
    void aDocumentOver64KiBIsRefusedBeforeParsing() throws PolicyException {
        String padding = "# " + "x".repeat(YamlTree.MAX_DOCUMENT_BYTES - BASE.length() - 3) + "\n";
        assertThat((BASE + padding).length()).isEqualTo(YamlTree.MAX_DOCUMENT_BYTES);
        assertThat(parse(BASE + padding).subject()).isEqualTo("foo");

        PolicyException error = refused(BASE + padding + "#", false);
        assertThat(error.reason()).isEqualTo("document_too_large");
        assertThat(error.getMessage()).hasSizeLessThan(100);
        // Bytes count, not chars: a multi-byte padding of fewer chars is too large as well.
        assertThat(refused(BASE + "# " + "é".repeat(YamlTree.MAX_DOCUMENT_BYTES / 2) + "\n", false).reason())
                .isEqualTo("document_too_large");
    }

    @Test
    void anAliasBombIsRefused() {
        StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char previous = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [")
                    .append(String.join(",", java.util.Collections.nCopies(9, "*" + previous))).append("]\n");
        }
        PolicyException error = refused(bomb.toString(), false);
        assertThat(error.reason()).isEqualTo("document_too_complex");

        // Few aliases, but each expands a large list: the expansion budget stops it.
        String wide = "a: &a [" + "x,".repeat(3000) + "x]\nb: [" + "*a,".repeat(10) + "*a]\n";
        assertThat(refused(wide, false).reason()).isEqualTo("document_too_complex");
    }

    @Test
    void aSelfReferencingAnchorIsRefused() {
        assertThat(refused("claim_pattern: &x {a: *x}\n", false).getMessage()).contains("anchor value contains itself");
    }

    @Test
    void messagesDoNotEchoHugeInputs() {
        // An explicit key may be long (a plain implicit key stops at 1024 chars, as in libyaml).
        PolicyException error = refused(BASE + "? k" + "x".repeat(30_000) + "\n: 1\n", false);
        assertThat(error.reason()).isEqualTo("unknown_field");
        assertThat(error.getMessage()).hasSizeLessThan(GoText.MAX_ECHOED_CHARS + 100);
        PolicyException syntax = refused(BASE + "k" + "x".repeat(30_000) + ": 1\n", false);
        assertThat(syntax.reason()).isEqualTo("yaml_syntax");
        assertThat(syntax.getMessage()).hasSizeLessThan(400);
    }
}
