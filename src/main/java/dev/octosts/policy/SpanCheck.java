package dev.octosts.policy;

import com.google.re2j.PatternSyntaxException;
import com.google.re2j.SyntaxTrees;
import com.google.re2j.SyntaxTrees.RegexTree;
import java.util.Optional;

/**
 * Octo STS's best-effort guard against an allowlist pattern that can match {@code /} and so span past the
 * host into an attacker's domain: {@code https://.*\.example\.com} also permits
 * {@code https://totally-evil.com/x.example.com} (README rule 33). It walks the parse tree, not the text,
 * so it sees every spelling of a class ({@code \S}, {@code [^\n]}, {@code [.-9]}, {@code \p{P}}) as the
 * matcher does, and a {@code /} that Go's parser factors out of an alternation as fixed.
 */
final class SpanCheck {
    /** Go's {@code syntax.Parse} limits: beyond them it fails to parse, and the check is skipped. */
    private static final int GO_MAX_HEIGHT = RegexBudget.MAX_HEIGHT;
    private static final long GO_MAX_SIZE = (128L << 20) / 40;

    /** What lets a pattern match {@code /}, with the reason code and Go's wording. */
    record Span(String reason, String description) {
        static final Span DOT = new Span("pattern_can_match_slash", "\".\" can match \"/\"");
        static final Span CLASS = new Span("pattern_can_match_slash", "a character class can match \"/\"");
        static final Span LITERAL_SLASH_UNDER_VARIABLE = new Span("slash_under_repetition_optional_or_alternation",
                "a literal \"/\" sits inside a repetition, optional or alternation");
    }

    private SpanCheck() {
    }

    /**
     * The first element, depth-first and left to right, that lets the pattern match {@code /}; empty when
     * there is none or the pattern does not parse (the compile step reports that better).
     */
    static Optional<Span> spanningElement(String pattern) {
        RegexBudget.Estimate estimate = RegexBudget.estimate(pattern);
        if (estimate.height() > GO_MAX_HEIGHT || estimate.size() > GO_MAX_SIZE) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(spanningElement(SyntaxTrees.parsePerl(pattern), false));
        } catch (PatternSyntaxException e) {
            return Optional.empty();
        }
    }

    /** {@code variable} says that an ancestor is a repetition, optional or alternation. */
    private static Span spanningElement(RegexTree node, boolean variable) {
        switch (node.op()) {
            case ANY_CHAR, ANY_CHAR_NOT_NL -> {
                return Span.DOT;
            }
            case CHAR_CLASS -> {
                for (int i = 0; i + 1 < node.runes().size(); i += 2) {
                    if (node.runes().get(i) <= '/' && '/' <= node.runes().get(i + 1)) {
                        return Span.CLASS;
                    }
                }
            }
            case LITERAL -> {
                if (variable && node.runes().contains((int) '/')) {
                    return Span.LITERAL_SLASH_UNDER_VARIABLE;
                }
            }
            case STAR, PLUS, QUEST, REPEAT, ALTERNATE -> variable = true;
            default -> {
                // Anchors, captures and concatenations match no character themselves.
            }
        }
        for (RegexTree sub : node.subs()) {
            Span span = spanningElement(sub, variable);
            if (span != null) {
                return span;
            }
        }
        return null;
    }
}
