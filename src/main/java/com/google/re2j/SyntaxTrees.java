package com.google.re2j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * RE2/J's parser, which is package-private, exposed as an immutable {@link RegexTree}. A leaf: only
 * {@code dev.octosts.policy} calls it, and it calls nothing of ours. The tree is exactly
 * what Go's {@code syntax.Parse} returns, which checks on a pattern's structure must see: a hand-written
 * scanner would disagree with the matcher about tokenisation. This class lives in RE2/J's package, which
 * works because RE2/J is loaded from the class path, not as a named module.
 */
public final class SyntaxTrees {
    private SyntaxTrees() {
    }

    /**
     * A regular expression's parse tree as Go's {@code regexp/syntax} (and RE2/J, its port) builds it: escapes
     * and classes desugared into rune ranges, adjacent literals merged, common prefixes of alternatives factored
     * out. Built by {@link SyntaxTrees#parsePerl}; compiling and simplifying happen later and are not shown.
     *
     * @param op       the node kind
     * @param runes    a literal's runes, or a class's ranges as {@code lo, hi} pairs; empty otherwise
     * @param foldCase whether the node matches case-insensitively ({@code (?i)})
     * @param min      a {@code REPEAT}'s lower bound; 0 otherwise
     * @param max      a {@code REPEAT}'s upper bound, -1 when unbounded; 0 otherwise
     * @param subs     the operands, left to right
     */
    public record RegexTree(Op op, List<Integer> runes, boolean foldCase, int min, int max, List<RegexTree> subs) {
        /** Go's {@code syntax.Op}s that can appear in a finished tree. */
        public enum Op {
            NO_MATCH, EMPTY_MATCH, LITERAL, CHAR_CLASS, ANY_CHAR_NOT_NL, ANY_CHAR, BEGIN_LINE, END_LINE,
            BEGIN_TEXT, END_TEXT, WORD_BOUNDARY, NO_WORD_BOUNDARY, CAPTURE, STAR, PLUS, QUEST, REPEAT, CONCAT, ALTERNATE
        }

        public RegexTree {
            Objects.requireNonNull(op, "op");
            runes = List.copyOf(runes);
            subs = List.copyOf(subs);
        }
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
