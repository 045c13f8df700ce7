package dev.octosts.policy;

import java.util.List;
import java.util.Objects;

/**
 * A regular expression's parse tree as Go's {@code regexp/syntax} (and RE2/J, its port) builds it: escapes
 * and classes desugared into rune ranges, adjacent literals merged, common prefixes of alternatives factored
 * out. Built by {@code com.google.re2j.SyntaxTrees}; compiling and simplifying happen later and are not shown.
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
