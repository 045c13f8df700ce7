package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Allowlist behaviour beyond the conformance rows. */
class OrgTrustedIssuersTest {

    @Test
    void keysMatchCaseInsensitivelyAndModeIsCaseSensitive() throws PolicyException {
        OrgTrustedIssuers allowlist = OrgTrustedIssuers.parse("Mode: audit\nIssuers: [https://a.example.com]\n");
        assertThat(allowlist.mode()).isEqualTo(OrgTrustedIssuers.Mode.AUDIT);
        assertThat(allowlist.issuers()).containsExactly("https://a.example.com");
        PolicyException error = catchThrowableOfType(PolicyException.class,
                () -> OrgTrustedIssuers.parse("mode: Audit\nissuers: [https://a.example.com]\n"));
        assertThat(error).hasMessage("unknown mode \"Audit\" (want \"enforce\" or \"audit\")");
    }

    @Test
    void anUnquotedOffIsTheStringFalse() {
        PolicyException error = catchThrowableOfType(PolicyException.class,
                () -> OrgTrustedIssuers.parse("mode: off\nissuers: [https://a.example.com]\n"));
        assertThat(error.reason()).isEqualTo("unknown_mode");
        assertThat(error).hasMessage("unknown mode \"false\" (want \"enforce\" or \"audit\")");
    }

    @Test
    void parseErrorsCarryTheGoPrefixAndCompileErrorsDoNot() {
        PolicyException parse = catchThrowableOfType(PolicyException.class,
                () -> OrgTrustedIssuers.parse("issuers: https://a.example.com\n"));
        assertThat(parse.reason()).isEqualTo("wrong_type");
        assertThat(parse).hasMessage("parsing organization trusted issuers: error unmarshaling JSON: json: cannot "
                + "unmarshal string into Go struct field OrgTrustedIssuers.issuers of type []string");
        PolicyException compile = catchThrowableOfType(PolicyException.class,
                () -> OrgTrustedIssuers.parse("issuers: [http://evil.example.com]\n"));
        assertThat(compile).hasMessage("invalid issuer \"http://evil.example.com\"");
    }

    @Test
    void aPatternLongerThan256BytesIsRefusedEvenWithFewerChars() {
        PolicyException error = catchThrowableOfType(PolicyException.class,
                () -> OrgTrustedIssuers.parse("issuer_patterns: ['" + "é".repeat(129) + "']\n"));
        assertThat(error).hasMessage("issuer_patterns[0] too long: 258 chars (max 256)");
    }

    @Test
    void aPatternCompiledAloneFirstCannotEscapeItsGroup() {
        PolicyException error = catchThrowableOfType(PolicyException.class,
                () -> OrgTrustedIssuers.parse("issuer_patterns: ['a)|(']\n"));
        assertThat(error.reason()).isEqualTo("invalid_regex");
        assertThat(error).hasMessage("invalid issuer_pattern \"a)|(\": error parsing regexp: unexpected ): `a)|(`");
    }

    @Test
    void decisionsRecordOnlyIssuersThatAreNotListed() throws PolicyException {
        OrgTrustedIssuers enforce = OrgTrustedIssuers.parse("issuers: [https://a.example.com]\n");
        assertThat(enforce.decide("https://a.example.com")).isEqualTo(IssuerAllowlistDecision.pass());
        assertThat(enforce.decide("https://b.example.com")).isEqualTo(new IssuerAllowlistDecision(
                IssuerAllowlistDecision.Outcome.DENIED, "issuer not permitted by organization policy",
                new IssuerAllowlistDecision.IssuerDecision(OrgTrustedIssuers.Mode.ENFORCE, false, "https://b.example.com")));

        OrgTrustedIssuers audit = OrgTrustedIssuers.parse("mode: audit\nissuer_patterns: ['https://[a-z]+\\.example\\.com']\n");
        assertThat(audit.decide("https://a.example.com")).isEqualTo(IssuerAllowlistDecision.pass());
        IssuerAllowlistDecision miss = audit.decide("https://evil.example.org");
        assertThat(miss.outcome()).isEqualTo(IssuerAllowlistDecision.Outcome.PASS);
        assertThat(miss.recorded()).isEqualTo(new IssuerAllowlistDecision.IssuerDecision(
                OrgTrustedIssuers.Mode.AUDIT, true, "https://evil.example.org"));
    }

    @Test
    void theRecordKeepsPatternsAndTheirCompiledFormTogether() throws RegexSyntaxException {
        GoRegex compiled = GoRegex.compileFullMatch("https://a\\.example\\.com");
        assertThatThrownBy(() -> new OrgTrustedIssuers(OrgTrustedIssuers.Mode.ENFORCE, List.of(),
                List.of("https://b\\.example\\.com"), List.of(compiled)))
                .isInstanceOf(IllegalArgumentException.class);
        OrgTrustedIssuers allowlist = new OrgTrustedIssuers(OrgTrustedIssuers.Mode.ENFORCE, List.of(),
                List.of("https://a\\.example\\.com"), List.of(compiled));
        assertThat(allowlist.allows("https://a.example.com")).isTrue();
    }
}
