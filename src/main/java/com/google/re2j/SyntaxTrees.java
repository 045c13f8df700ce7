package com.google.re2j;

import dev.octosts.policy.RegexTree;
import java.util.ArrayList;
import java.util.List;

/**
 * RE2/J's parser, which is package-private, exposed as an immutable {@link RegexTree}. The tree is exactly
 * what Go's {@code syntax.Parse} returns, which checks on a pattern's structure must see: a hand-written
 * scanner would disagree with the matcher about tokenisation. This class lives in RE2/J's package, which
 * works because RE2/J is loaded from the class path, not as a named module.
 */
public final class SyntaxTrees {
    private SyntaxTrees() {
    }

    /** Parses like Go's {@code syntax.Parse(pattern, syntax.Perl)}, without simplifying. */
    public static RegexTree parsePerl(String pattern) throws PatternSyntaxException {
        return convert(Parser.parse(pattern, RE2.PERL));
    }

    private static RegexTree convert(Regexp re) {
        List<Integer> runes = new ArrayList<>();
        if (re.runes != null) {
            for (int rune : re.runes) {
                runes.add(rune);
            }
        }
        List<RegexTree> subs = new ArrayList<>();
        if (re.subs != null) {
            for (Regexp sub : re.subs) {
                subs.add(convert(sub));
            }
        }
        boolean repeat = re.op == Regexp.Op.REPEAT;
        return new RegexTree(op(re.op), runes, (re.flags & RE2.FOLD_CASE) != 0,
                repeat ? re.min : 0, repeat ? re.max : 0, subs);
    }

    private static RegexTree.Op op(Regexp.Op op) {
        return switch (op) {
            case NO_MATCH -> RegexTree.Op.NO_MATCH;
            case EMPTY_MATCH -> RegexTree.Op.EMPTY_MATCH;
            case LITERAL -> RegexTree.Op.LITERAL;
            case CHAR_CLASS -> RegexTree.Op.CHAR_CLASS;
            case ANY_CHAR_NOT_NL -> RegexTree.Op.ANY_CHAR_NOT_NL;
            case ANY_CHAR -> RegexTree.Op.ANY_CHAR;
            case BEGIN_LINE -> RegexTree.Op.BEGIN_LINE;
            case END_LINE -> RegexTree.Op.END_LINE;
            case BEGIN_TEXT -> RegexTree.Op.BEGIN_TEXT;
            case END_TEXT -> RegexTree.Op.END_TEXT;
            case WORD_BOUNDARY -> RegexTree.Op.WORD_BOUNDARY;
            case NO_WORD_BOUNDARY -> RegexTree.Op.NO_WORD_BOUNDARY;
            case CAPTURE -> RegexTree.Op.CAPTURE;
            case STAR -> RegexTree.Op.STAR;
            case PLUS -> RegexTree.Op.PLUS;
            case QUEST -> RegexTree.Op.QUEST;
            case REPEAT -> RegexTree.Op.REPEAT;
            case CONCAT -> RegexTree.Op.CONCAT;
            case ALTERNATE -> RegexTree.Op.ALTERNATE;
            // The parser removes its stack markers before it returns.
            case LEFT_PAREN, VERTICAL_BAR -> throw new IllegalStateException("unfinished parse tree: " + op);
        };
    }
}
