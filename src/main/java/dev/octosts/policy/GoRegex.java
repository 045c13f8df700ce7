package dev.octosts.policy;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * A pattern with Go {@code regexp} (RE2) semantics that must match a whole string, in linear time.
 *
 * <p>The pattern is compiled alone first, so that an unbalanced {@code )} such as {@code a)|(b} is refused
 * instead of escaping the group, and then as {@code ^(?:p)$}, so that a top-level alternation stays
 * anchored: {@code main|develop} does not match {@code main-attacker}. Go's {@code $} (without
 * {@code (?m)}) matches only at the very end, unlike {@code java.util.regex}, which is never used here.
 */
public final class GoRegex {
    /**
     * Largest estimated program (in Go instructions) one pattern may compile to. Go allows about 3.3 million;
     * RE2/J needs some 200 MB for that, and matching time grows with it, so the bound here is far lower
     * while still well above any hand-written policy pattern.
     */
    public static final long MAX_PROGRAM_SIZE = 10_000;
    /**
     * Heap bytes one compiled instruction takes, for weighing caches: RE2/J's {@code Inst} object with its
     * fields and rune array, about 60 bytes (3.3 million instructions need some 200 MB, as above).
     */
    static final long HEAP_BYTES_PER_INSTRUCTION = 64;
    /** The pattern object, its anchored copy and the matcher machinery around the program. */
    private static final long HEAP_BYTES_OVERHEAD = 1_024;

    private final String pattern;
    private final Pattern fullMatch;
    private final long programSize;

    private GoRegex(String pattern, Pattern fullMatch, long programSize) {
        this.pattern = pattern;
        this.fullMatch = fullMatch;
        this.programSize = programSize;
    }

    public static GoRegex compileFullMatch(String pattern) throws RegexSyntaxException {
        return compileFullMatch(pattern, MAX_PROGRAM_SIZE);
    }

    /** As {@link #compileFullMatch(String)}, refusing a program estimated larger than {@code maxProgramSize}. */
    static GoRegex compileFullMatch(String pattern, long maxProgramSize) throws RegexSyntaxException {
        RegexBudget.Estimate estimate = RegexBudget.estimate(pattern);
        if (estimate.height() > RegexBudget.MAX_HEIGHT) {
            throw new RegexSyntaxException("expression nests too deeply", pattern);
        }
        if (estimate.size() > maxProgramSize) {
            throw new RegexSyntaxException("expression too large", pattern);
        }
        try {
            Pattern.compile(pattern);
            return new GoRegex(pattern, Pattern.compile("^(?:" + pattern + ")$"), estimate.size());
        } catch (PatternSyntaxException e) {
            throw goError(e, pattern);
        } catch (StackOverflowError e) {
            // Defence in depth behind the height estimate: RE2/J recurses over the syntax tree.
            throw new RegexSyntaxException("expression nests too deeply", pattern);
        }
    }

    /** RE2/J's error with Go's wording; RE2/J reports Go's "unexpected )" as an internal stack underflow. */
    private static RegexSyntaxException goError(PatternSyntaxException e, String pattern) {
        if (e.getDescription().startsWith("regexp/syntax: internal error") && "stack underflow".equals(e.getPattern())) {
            return new RegexSyntaxException("unexpected )", pattern);
        }
        return new RegexSyntaxException(e.getDescription(), e.getPattern());
    }

    /** Whether the whole of {@code input} matches. */
    public boolean matches(String input) {
        return fullMatch.matches(input);
    }

    /** The pattern as written (without the added anchors). */
    public String pattern() {
        return pattern;
    }

    /** The estimated size of the compiled program, in Go instructions. */
    long programSize() {
        return programSize;
    }

    /** An upper estimate of the heap this compiled pattern holds, in bytes: the program and the pattern text twice. */
    public long estimatedHeapBytes() {
        return HEAP_BYTES_OVERHEAD + HEAP_BYTES_PER_INSTRUCTION * programSize + 4L * pattern.length();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GoRegex that && pattern.equals(that.pattern);
    }

    @Override
    public int hashCode() {
        return pattern.hashCode();
    }

    @Override
    public String toString() {
        return "^(?:" + pattern + ")$";
    }
}
