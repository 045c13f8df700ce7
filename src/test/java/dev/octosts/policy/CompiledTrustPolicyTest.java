package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** CheckToken (README rules 10–14) beyond the conformance rows, and the compile-time budget. */
class CompiledTrustPolicyTest {
    private static final String ISSUER = "https://token.actions.githubusercontent.com";

    private static CompiledTrustPolicy compile(String yaml) throws PolicyException {
        return CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy(yaml, false));
    }

    private static Map<String, Object> token(Object... extraClaims) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", "repo:org/repo:ref:refs/heads/main");
        claims.put("aud", "octo-sts.dev");
        for (int i = 0; i < extraClaims.length; i += 2) {
            claims.put((String) extraClaims[i], extraClaims[i + 1]);
        }
        return claims;
    }

    private static final String BASE = "issuer: " + ISSUER + "\nsubject_pattern: 'repo:org/repo:ref:refs/heads/.*'\n";

    @Test
    void invalidTokenFieldsAreInvalidArgumentBeforeAnyMatching() throws PolicyException {
        CompiledTrustPolicy policy = compile(BASE);
        assertThat(policy.check(token("iss", null), "octo-sts.dev").reason()).isEqualTo("invalid_token_issuer");
        assertThat(policy.check(token("iss", 42), "octo-sts.dev").reason()).isEqualTo("invalid_token_issuer");
        assertThat(policy.check(token("iss", "http://evil.example.com"), "octo-sts.dev"))
                .isEqualTo(new CheckResult(CheckResult.Verdict.INVALID_TOKEN, "invalid_token_issuer", "invalid issuer in token"));
        assertThat(policy.check(token("sub", "a b"), "octo-sts.dev"))
                .isEqualTo(new CheckResult(CheckResult.Verdict.INVALID_TOKEN, "invalid_token_subject", "invalid subject in token"));
        assertThat(policy.check(token("sub", null), "octo-sts.dev").reason()).isEqualTo("invalid_token_subject");
        // An invalid audience fails even when another audience would satisfy the policy.
        assertThat(policy.check(token("aud", List.of("octo-sts.dev", "user@host")), "octo-sts.dev"))
                .isEqualTo(new CheckResult(CheckResult.Verdict.INVALID_TOKEN, "invalid_token_audience", "invalid audience in token"));
        assertThat(policy.check(token("aud", List.of("octo-sts.dev", 7)), "octo-sts.dev").reason())
                .isEqualTo("invalid_token_audience");
        assertThat(policy.check(token("aud", Map.of("x", "y")), "octo-sts.dev").reason()).isEqualTo("invalid_token_audience");
    }

    @Test
    void aTopLevelAlternationDoesNotMatchAPrefix() throws PolicyException {
        CompiledTrustPolicy policy = compile("issuer: " + ISSUER + "\nsubject_pattern: main|develop\n");
        assertThat(policy.check(token("sub", "main"), "octo-sts.dev").allowed()).isTrue();
        assertThat(policy.check(token("sub", "develop"), "octo-sts.dev").allowed()).isTrue();
        assertThat(policy.check(token("sub", "main-attacker"), "octo-sts.dev")).isEqualTo(CheckResult.denied(
                "subject_mismatch", "trust policy: subject \"main-attacker\" did not match pattern \"main|develop\""));
        assertThat(policy.check(token("sub", "attacker-develop"), "octo-sts.dev").allowed()).isFalse();
    }

    @Test
    void acceptsAudienceAnswersTheAudienceCheckAlone() throws PolicyException {
        assertThat(compile(BASE).acceptsAudience("octo-sts.dev", "octo-sts.dev/audit")).isFalse();
        assertThat(compile(BASE).acceptsAudience("octo-sts.dev/audit", "octo-sts.dev/audit")).isTrue();
        assertThat(compile(BASE + "audience: octo-sts.dev\n").acceptsAudience("octo-sts.dev", "octo-sts.dev/audit")).isTrue();
        assertThat(compile(BASE + "audience: ledger\n").acceptsAudience("octo-sts.dev", "octo-sts.dev/audit")).isFalse();
        assertThat(compile(BASE + "audience_pattern: 'octo-sts\\..*'\n").acceptsAudience("octo-sts.dev", "x")).isTrue();
        assertThat(compile(BASE + "audience_pattern: 'ledger-.*'\n").acceptsAudience("octo-sts.dev", "x")).isFalse();
    }

    @Test
    void theAudienceDefaultsToTheDomainAndMayBeAStringOrAList() throws PolicyException {
        CompiledTrustPolicy policy = compile(BASE);
        assertThat(policy.check(token(), "octo-sts.dev")).isEqualTo(CheckResult.allow());
        assertThat(policy.check(token("aud", List.of("other", "octo-sts.dev")), "octo-sts.dev").allowed()).isTrue();
        assertThat(policy.check(token(), "sts.example.com")).isEqualTo(CheckResult.denied("audience_mismatch",
                "trust policy: audience \"sts.example.com\" did not match any of [\"octo-sts.dev\"]"));
        Map<String, Object> noAudience = token();
        noAudience.remove("aud");
        assertThat(policy.check(noAudience, "octo-sts.dev").message())
                .isEqualTo("trust policy: audience \"octo-sts.dev\" did not match any of []");
    }

    @Test
    void anExactAudienceMustBeContained() throws PolicyException {
        CompiledTrustPolicy policy = compile(BASE + "audience: octosts\n");
        assertThat(policy.check(token("aud", "octosts"), "").allowed()).isTrue();
        assertThat(policy.check(token("aud", List.of("a", "octosts")), "").allowed()).isTrue();
        assertThat(policy.check(token("aud", "octosts-x"), "octosts").message())
                .isEqualTo("trust policy: audience \"octosts\" did not match any of [\"octosts-x\"]");
    }

    @Test
    void theChecksRunInOrderIssuerSubjectAudienceClaims() throws PolicyException {
        CompiledTrustPolicy policy = compile("issuer: https://example.com\nsubject: s\naudience: a\nclaim_pattern: {c: x}\n");
        Map<String, Object> allWrong = token("sub", "wrong", "aud", "wrong");
        assertThat(policy.check(allWrong, "").reason()).isEqualTo("issuer_mismatch");
        allWrong.put("iss", "https://example.com");
        assertThat(policy.check(allWrong, "").reason()).isEqualTo("subject_mismatch");
        allWrong.put("sub", "s");
        assertThat(policy.check(allWrong, "").reason()).isEqualTo("audience_mismatch");
        allWrong.put("aud", "a");
        assertThat(policy.check(allWrong, "").reason()).isEqualTo("claim_missing");
        allWrong.put("c", "x");
        assertThat(policy.check(allWrong, "").allowed()).isTrue();
    }

    @Test
    void claimsMustBeStringsOrBooleans() throws PolicyException {
        CompiledTrustPolicy policy = compile(BASE + "claim_pattern:\n  c: '.*'\n");
        for (Object notAString : new Object[] {null, 21, 2.5, List.of("a"), Map.of("a", "b")}) {
            assertThat(policy.check(token("c", notAString), "octo-sts.dev")).isEqualTo(
                    CheckResult.denied("claim_not_string", "trust policy: expected claim \"c\" not a string"));
        }
        assertThat(policy.check(token("c", ""), "octo-sts.dev").allowed()).isTrue();

        CompiledTrustPolicy booleans = compile(BASE + "claim_pattern:\n  verified: false\n");
        assertThat(booleans.check(token("verified", false), "octo-sts.dev").allowed()).isTrue();
        assertThat(booleans.check(token("verified", "false"), "octo-sts.dev").allowed()).isTrue();
        assertThat(booleans.check(token("verified", true), "octo-sts.dev").message())
                .isEqualTo("trust policy: claim \"verified\" did not match \"^false$\"");
    }

    @Test
    void aDollarDoesNotMatchBeforeATrailingNewline() throws PolicyException {
        CompiledTrustPolicy policy = compile(BASE + "claim_pattern:\n  email_verified: '^true$'\n");
        assertThat(policy.check(token("email_verified", "true"), "octo-sts.dev").allowed()).isTrue();
        assertThat(policy.check(token("email_verified", "true\n"), "octo-sts.dev")).isEqualTo(CheckResult.denied(
                "claim_mismatch", "trust policy: claim \"email_verified\" did not match \"^^true$$\""));
    }

    @Test
    void anyPayloadClaimCanBeConstrained() throws PolicyException {
        CompiledTrustPolicy policy = compile(BASE + "claim_pattern:\n  iss: 'https://token\\.actions\\..*'\n  aud: octo-sts\\.dev\n");
        assertThat(policy.check(token(), "octo-sts.dev").allowed()).isTrue();
        // A list-valued aud is not a string claim.
        assertThat(policy.check(token("aud", List.of("octo-sts.dev")), "octo-sts.dev").reason()).isEqualTo("claim_not_string");
    }

    @Test
    // In a thread of its own, so a regex that backtracks without end fails the test instead of hanging it.
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCatastrophicPatternAgainstAHugeClaimAnswers() throws PolicyException {
        CompiledTrustPolicy policy = compile(BASE + "claim_pattern:\n  c: '(a+)+$'\n");
        assertThat(policy.check(token("c", "a".repeat(100_000) + "!"), "octo-sts.dev").reason()).isEqualTo("claim_mismatch");
        assertThat(policy.check(token("c", "a".repeat(100_000)), "octo-sts.dev").allowed()).isTrue();
    }

    @Test
    void failingClaimsAreReportedInFileOrder() throws PolicyException {
        CompiledTrustPolicy policy = compile(BASE + "claim_pattern:\n  zeta: z\n  alpha: a\n");
        assertThat(policy.claimNamesChecked()).containsExactly("zeta", "alpha");
        assertThat(policy.check(token(), "octo-sts.dev").message())
                .isEqualTo("trust policy: expected claim \"zeta\" not found in token");
    }

    @Test
    void audienceAndAudiencePatternAreExclusive() {
        PolicyException error = catchThrowableOfType(PolicyException.class,
                () -> compile(BASE + "audience: a\naudience_pattern: b\n"));
        assertThat(error.reason()).isEqualTo("invalid_policy");
        assertThat(error).hasMessage("trust policy: only one of audience or audience_pattern can be set, got both");
    }

    @Test
    void anEmptyClaimPatternOnlyMatchesAnEmptyClaim() throws PolicyException {
        CompiledTrustPolicy policy = compile(BASE + "claim_pattern:\n  c: ~\n");
        assertThat(policy.check(token("c", ""), "octo-sts.dev").allowed()).isTrue();
        assertThat(policy.check(token("c", "x"), "octo-sts.dev").reason()).isEqualTo("claim_mismatch");
    }

    @Test
    void aPolicysPatternsShareOneProgramBudget() {
        Map<String, String> claims = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            claims.put("c" + i, "[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}");
        }
        TrustPolicy policy = new TrustPolicy(ISSUER, "", "s", "", "", "", claims, Map.of(), null);
        PolicyException error = catchThrowableOfType(PolicyException.class, () -> CompiledTrustPolicy.compile(policy));
        assertThat(error.reason()).isEqualTo("invalid_pattern");
        assertThat(error.getMessage()).startsWith("error compiling claim_pattern[\"c5\"]: error parsing regexp: expression too large");
    }
}
