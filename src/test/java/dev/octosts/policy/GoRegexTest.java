package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Go RE2 semantics through RE2/J, whole-string matching, and Go's limits. */
class GoRegexTest {

    private static GoRegex compile(String pattern) throws RegexSyntaxException {
        return GoRegex.compileFullMatch(pattern);
    }

    private static RegexSyntaxException refused(String pattern) {
        RegexSyntaxException error = catchThrowableOfType(RegexSyntaxException.class, () -> compile(pattern));
        assertThat(error).as("refused: %s", pattern.length() > 60 ? pattern.substring(0, 60) : pattern).isNotNull();
        return error;
    }

    static Stream<Arguments> matches() {
        return Stream.of(
                // pattern, input, whole-string match
                Arguments.of("main|develop", "main", true),
                Arguments.of("main|develop", "develop", true),
                Arguments.of("main|develop", "main-attacker", false),
                Arguments.of("main|develop", "attacker-develop", false),
                Arguments.of("true", "true\n", false),
                Arguments.of("^true$", "true\n", false),
                Arguments.of("^true$", "true", true),
                Arguments.of("(123|456)", "123999", false),
                Arguments.of("^(123|456)$", "456", true),
                Arguments.of("example.com", "exampleXcom", true),
                Arguments.of("a.b", "a\rb", true),
                Arguments.of("a.b", "a\nb", false),
                Arguments.of("(?s)a.b", "a\nb", true),
                Arguments.of("\\d+", "123", true),
                Arguments.of("\\d+", "\u0663", false), // Go's \d is ASCII only
                Arguments.of("\\w+", "é", false),
                Arguments.of("\\pL+", "éх", true),
                Arguments.of("\\p{Greek}+", "αβ", true),
                Arguments.of("[[:alpha:]]+", "abc", true),
                Arguments.of("(?i)https://token\\.actions\\.githubusercontent\\.com", "https://TOKEN.actions.githubusercontent.com", true),
                Arguments.of("(?m)a$", "a", true),
                Arguments.of("(?m)a$", "a\n", false),
                Arguments.of("\\Qa.b\\E", "a.b", true),
                Arguments.of("\\Qa.b\\E", "axb", false),
                Arguments.of("", "", true),
                Arguments.of("", "x", false));
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @MethodSource("matches")
    void matchesTheWholeStringWithGoSemantics(String pattern, String input, boolean expected) throws RegexSyntaxException {
        assertThat(compile(pattern).matches(input)).isEqualTo(expected);
    }

    @Test
    // In a thread of its own, so a regex that backtracks without end fails the test instead of hanging it.
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void catastrophicBacktrackingPatternsRunInLinearTime() throws RegexSyntaxException {
        String input = "a".repeat(100_000) + "!";
        assertThat(compile("(a+)+$").matches(input)).isFalse();
        assertThat(compile("(a|aa)*b").matches(input)).isFalse();
        assertThat(compile("(a*)*").matches("a".repeat(100_000))).isTrue();
    }

    @Test
    void anUnbalancedParenthesisCannotEscapeTheGroup() {
        // ^(?:a)|(b)$ would compile and match "a-anything"; compiling the pattern alone refuses it first.
        RegexSyntaxException error = refused("a)|(b");
        assertThat(error).hasMessage("error parsing regexp: unexpected ): `a)|(b`");
        assertThat(refused(")(")).hasMessage("error parsing regexp: unexpected ): `)(`");
        assertThat(refused("token\\.example\\.com)|(").description()).isEqualTo("unexpected )");
    }

    @Test
    void syntaxErrorsReadLikeGo() {
        assertThat(refused("[unclosed")).hasMessage("error parsing regexp: missing closing ]: `[unclosed`");
        assertThat(refused("(a")).hasMessage("error parsing regexp: missing closing ): `(a`");
        assertThat(refused("a**")).hasMessage("error parsing regexp: invalid nested repetition operator: `**`");
        assertThat(refused("\\")).hasMessage("error parsing regexp: trailing backslash at end of expression: ``");
        assertThat(refused("[[:bogus:]]")).hasMessage("error parsing regexp: invalid character class range: `[:bogus:]`");
    }

    @Test
    void perlFeaturesGoLacksAreRefused() {
        assertThat(refused("(a)\\1").description()).isEqualTo("invalid escape sequence");
        assertThat(refused("(?=a)").description()).isEqualTo("invalid or unsupported Perl syntax");
        assertThat(refused("(?<!a)b").description()).isEqualTo("invalid named capture"); // as Go 1.22+ reads (?<
        assertThat(refused("a++").description()).isEqualTo("invalid nested repetition operator");
        assertThat(refused("a{1001}").description()).isEqualTo("invalid repeat count");
    }

    @Test
    // In a thread of its own, so a regex that backtracks without end fails the test instead of hanging it.
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void repetitionsThatExplodeTheProgramAreRefusedBeforeCompiling() {
        // Without this RE2/J runs out of heap on the first pattern; Go refuses it the same way.
        assertThat(refused("((a{1000}){1000}){1000}"))
                .hasMessage("error parsing regexp: expression too large: `((a{1000}){1000}){1000}`");
        assertThat(refused("(?:(?:x{100}){100}){100}").description()).isEqualTo("expression too large");
        assertThat(refused("[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}"
                + "[a-z]{1000}[a-z]{1000}[a-z]{1000}").description()).isEqualTo("expression too large");
    }

    @Test
    // In a thread of its own, so a regex that backtracks without end fails the test instead of hanging it.
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void deepNestingIsRefusedBeforeCompiling() {
        String deep = "(".repeat(2000) + "a" + ")*".repeat(2000);
        assertThat(refused(deep).description()).isEqualTo("expression nests too deeply");
    }

    @Test
    void realisticPatternsStayFarBelowTheBudget() throws RegexSyntaxException {
        for (String pattern : new String[] {
                "[a-f0-9]{40}", "[0-9]{10}", "repo:my-org/[a-z0-9-]{1,100}:ref:refs/heads/(main|release-[0-9]+)",
                "(?:[a-z0-9-]{1,63}\\.){1,10}example\\.com", "https://oidc\\.eks\\.[a-z0-9-]+\\.amazonaws\\.com/id/[A-Z0-9]+"}) {
            assertThat(compile(pattern).programSize()).as(pattern).isLessThan(GoRegex.MAX_PROGRAM_SIZE / 4);
        }
    }

    @Test
    void escapesClassesAndQuotesDoNotCountAsRepetitions() {
        assertThat(RegexBudget.estimate("\\Q{1000}\\E").size()).isLessThan(20);
        assertThat(RegexBudget.estimate("[{1000}]").size()).isLessThan(5);
        assertThat(RegexBudget.estimate("\\x{41}").size()).isLessThan(5);
        assertThat(RegexBudget.estimate("a{,5}").size()).isLessThan(10); // not a repeat in Go: literal text
        assertThat(RegexBudget.estimate("(?i)a{1000}").size()).isBetween(1000L, 1010L);
        // A flags-only group adds no node: Go applies the repetition to the atom before it.
        assertThat(RegexBudget.estimate("a(?i){1000}").size()).isGreaterThanOrEqualTo(1000L);
        assertThat(RegexBudget.estimate("(){1000}").size()).isGreaterThanOrEqualTo(3000L);
        assertThat(RegexBudget.estimate("(?P<name>a{1000}){5}").size()).isGreaterThan(5000L);
        assertThat(RegexBudget.estimate("[]a]{1000}").size()).isGreaterThanOrEqualTo(1000L);
        assertThat(RegexBudget.estimate("[[:alpha:]]{1000}").size()).isGreaterThanOrEqualTo(1000L);
        assertThat(RegexBudget.estimate("\\p{Greek}{1000}").size()).isGreaterThanOrEqualTo(1000L);
    }

    @Test
    void keepsThePatternAsWrittenAndComparesByIt() throws RegexSyntaxException {
        GoRegex regex = compile("a|b");
        assertThat(regex.pattern()).isEqualTo("a|b");
        assertThat(regex.toString()).isEqualTo("^(?:a|b)$");
        assertThat(regex).isEqualTo(compile("a|b")).hasSameHashCodeAs(compile("a|b")).isNotEqualTo(compile("a"));
    }
}
