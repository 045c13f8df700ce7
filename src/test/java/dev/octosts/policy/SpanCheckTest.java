package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.re2j.PatternSyntaxException;
import com.google.re2j.SyntaxTrees;
import com.google.re2j.SyntaxTrees.RegexTree;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The "pattern can match /" check of the org allowlist (README rule 33), beyond the conformance rows. */
class SpanCheckTest {
    static Stream<Arguments> patterns() {
        return Stream.of(
                // Go's parser factors the common "https://" out of the alternation: "/" stays at a fixed position.
                Arguments.of("factored alternation", "https://a\\.example\\.com|https://b\\.example\\.com", null),
                // Only "http" is common here, so "://" stays inside each alternative.
                Arguments.of("alternation keeping its slashes", "https://a\\.example\\.com|http://b\\.example\\.com",
                        SpanCheck.Span.LITERAL_SLASH_UNDER_VARIABLE),
                Arguments.of("hex escape", "https://host\\.example\\.com\\x2Fid", null),
                Arguments.of("braced hex escape", "https://host\\.example\\.com\\x{2F}id", null),
                Arguments.of("octal escape", "https://host\\.example\\.com\\057id", null),
                Arguments.of("hex escape under a repetition", "https://host\\.example\\.com(\\x2Fid)+",
                        SpanCheck.Span.LITERAL_SLASH_UNDER_VARIABLE),
                Arguments.of("range over the slash", "https://[.-9]+\\.example\\.com", SpanCheck.Span.CLASS),
                Arguments.of("hex escape in a class", "https://[a-z\\x2F]+\\.example\\.com", SpanCheck.Span.CLASS),
                Arguments.of("class ending below the slash", "https://[a-z0-9.-]+\\.example\\.com", null),
                Arguments.of("case-insensitive literal", "(?i)https://ci\\.example\\.com", null),
                Arguments.of("case-insensitive class", "(?i)https://[a-z0-9-]+\\.example\\.com", null),
                Arguments.of("case-insensitive optional slash", "(?i)https://(x\\.com/)?ci\\.example\\.com",
                        SpanCheck.Span.LITERAL_SLASH_UNDER_VARIABLE),
                Arguments.of("dot matching newline", "(?s)https://.+\\.example\\.com", SpanCheck.Span.DOT),
                Arguments.of("fixed path segments", "https://host\\.example\\.com/id/[A-Z0-9]+", null),
                // Depth-first, left to right: the first offending element names the reason.
                Arguments.of("slash under repetition before a dot", "https://(a/)*.example\\.com",
                        SpanCheck.Span.LITERAL_SLASH_UNDER_VARIABLE),
                Arguments.of("dot before a slash under repetition", "https://.(a/)*example\\.com", SpanCheck.Span.DOT),
                // Unparseable: the check is skipped and compiling reports the error.
                Arguments.of("unparseable", "https://.*(", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("patterns")
    void findsTheFirstElementThatCanMatchASlash(String name, String pattern, SpanCheck.Span expected) {
        assertThat(SpanCheck.spanningElement(pattern)).isEqualTo(java.util.Optional.ofNullable(expected));
    }

    @Test
    void aFactoredAlternationIsAcceptedAndStillAnchored() throws PolicyException {
        OrgTrustedIssuers allowlist = OrgTrustedIssuers.parse(
                "issuer_patterns:\n  - 'https://a\\.example\\.com|https://b\\.example\\.com'\n");

        assertThat(allowlist.allows("https://a.example.com")).isTrue();
        assertThat(allowlist.allows("https://b.example.com")).isTrue();
        assertThat(allowlist.allows("https://c.example.com")).isFalse();
        assertThat(allowlist.allows("https://a.example.com.evil.com")).isFalse();
    }

    @Test
    void anEscapedSlashIsAFixedPathSeparator() throws PolicyException {
        OrgTrustedIssuers allowlist = OrgTrustedIssuers.parse("issuer_patterns:\n  - 'https://host\\.example\\.com\\x2Fid'\n");

        assertThat(allowlist.allows("https://host.example.com/id")).isTrue();
    }

    @Test
    void caseInsensitivePatternsPassTheCheckAndMatchIgnoringCase() throws PolicyException {
        OrgTrustedIssuers allowlist = OrgTrustedIssuers.parse("issuer_patterns:\n  - '(?i)https://ci\\.example\\.com'\n");

        assertThat(allowlist.allows("HTTPS://CI.Example.com")).isTrue();
    }

    @Test
    void anUnparseablePatternFailsAtCompileNotAtTheSpanCheck() {
        PolicyException error = catchThrowableOfType(PolicyException.class,
                () -> OrgTrustedIssuers.parse("issuer_patterns:\n  - 'https://.*('\n"));

        assertThat(error.reason()).isEqualTo("invalid_regex");
        assertThat(error.getMessage()).startsWith("invalid issuer_pattern \"https://.*(\": error parsing regexp: missing closing )");
    }

    @Test
    void theSpanErrorNamesThePatternIndexAndIsLocated() {
        PolicyException error = catchThrowableOfType(PolicyException.class,
                () -> OrgTrustedIssuers.parse("issuer_patterns:\n  - 'https://a\\.example\\.com'\n  - 'https://[.-9]+\\.example\\.com'\n"));

        assertThat(error.reason()).isEqualTo("pattern_can_match_slash");
        assertThat(error.getMessage()).startsWith("issuer_patterns[1]: a character class can match \"/\", so the pattern");
        assertThat(error.field()).containsExactly("issuer_patterns", "1");
    }

    @Test
    void theTreeIsTheParserOutputBeforeSimplifying() throws PatternSyntaxException {
        RegexTree factored = SyntaxTrees.parsePerl("https://a\\.x|https://b\\.x");
        assertThat(factored.op()).isEqualTo(RegexTree.Op.CONCAT);
        assertThat(factored.subs().getFirst().op()).isEqualTo(RegexTree.Op.LITERAL);
        assertThat(factored.subs().getFirst().runes()).isEqualTo("https://".codePoints().boxed().toList());

        RegexTree bounded = SyntaxTrees.parsePerl("a{2,}");
        assertThat(bounded.op()).isEqualTo(RegexTree.Op.REPEAT);
        assertThat(List.of(bounded.min(), bounded.max())).containsExactly(2, -1);
        assertThat(bounded.subs()).singleElement().extracting(RegexTree::op).isEqualTo(RegexTree.Op.LITERAL);

        RegexTree folded = SyntaxTrees.parsePerl("(?i)k");
        assertThat(folded.foldCase()).isTrue();
        // Perl's \S is ASCII: everything but [\t\n\f\r ], as rune ranges.
        assertThat(SyntaxTrees.parsePerl("\\S").runes()).containsExactly(0, 8, 11, 11, 14, 31, 33, 0x10FFFF);
    }
}
