package dev.octosts.policy;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Estimates, before RE2/J sees a pattern, how large its compiled program and how deep its syntax tree
 * will be, with the sizing rules of Go's {@code regexp/syntax} parser ({@code calcSize}, {@code calcHeight}).
 *
 * <p>RE2/J has neither of Go's limits: {@code ((a{1000}){1000}){1000}} exhausts the heap while compiling
 * and a few thousand nested groups overflow the stack. Go refuses both ("expression too large",
 * "expression nests too deeply"), so refusing them here keeps Go's verdict. The scanner follows Go's
 * tokenisation (escapes, {@code \Q…\E}, classes, flag groups, repeat syntax); wherever it could be unsure
 * it counts more, never less. Syntax errors are left to RE2/J.
 */
final class RegexBudget {
    /** Go's {@code maxHeight}. */
    static final int MAX_HEIGHT = 1000;
    /** Saturation point that keeps the arithmetic far from overflow. */
    private static final long CAP = 1L << 40;
    /** Counts above Go's limit of 1000 are a syntax error anyway; RE2/J reports it. */
    private static final int MAX_COUNT = 1001;

    record Estimate(long size, int height) {
    }

    private RegexBudget() {
    }

    static Estimate estimate(String pattern) {
        return new Scanner(pattern).run();
    }

    /** One group (or the whole pattern) being scanned: its alternatives so far and its current concatenation. */
    private static final class Frame {
        final boolean capturing;
        long alternativesSize;
        int alternatives;
        int alternativesHeight;
        long concatSize;
        int concatAtoms;
        int concatHeight;
        long lastSize = -1;
        int lastHeight;

        Frame(boolean capturing) {
            this.capturing = capturing;
        }

        void atom(long size, int height) {
            concatSize = sat(concatSize + size);
            concatAtoms++;
            concatHeight = Math.max(concatHeight, height);
            lastSize = size;
            lastHeight = height;
        }

        /** Replaces the last atom by a repetition of it. */
        void repeat(int min, int max) {
            if (lastSize < 0) {
                return; // "missing argument to repetition operator": RE2/J reports it
            }
            long sub = lastSize;
            long size;
            if (max == -1) {
                size = min == 0 ? 2 + sub : 1 + sat((long) min * sub);
            } else {
                size = sat((long) max * sub + (max - min));
            }
            concatSize = sat(concatSize - lastSize + size);
            lastSize = size;
            lastHeight = lastHeight + 1;
            concatHeight = Math.max(concatHeight, lastHeight);
        }

        void endAlternative() {
            alternativesSize = sat(alternativesSize + Math.max(concatSize, 1)); // empty: Go's OpEmptyMatch
            alternatives++;
            alternativesHeight = Math.max(alternativesHeight,
                    concatAtoms > 1 ? concatHeight + 1 : Math.max(concatHeight, 1));
            concatSize = 0;
            concatAtoms = 0;
            concatHeight = 0;
            lastSize = -1;
        }

        /** Size and height of the finished group (or pattern). */
        Estimate finish() {
            endAlternative();
            long size = sat(alternativesSize + alternatives - 1);
            int height = alternatives > 1 ? alternativesHeight + 1 : alternativesHeight;
            return capturing ? new Estimate(2 + size, height + 1) : new Estimate(size, height);
        }
    }

    private static long sat(long value) {
        return Math.min(value, CAP);
    }

    private static final class Scanner {
        private final String p;
        private final Deque<Frame> open = new ArrayDeque<>();
        private Frame frame = new Frame(false);
        private int i;

        Scanner(String pattern) {
            this.p = pattern;
        }

        Estimate run() {
            while (i < p.length()) {
                char c = p.charAt(i);
                switch (c) {
                    case '(' -> openGroup();
                    case ')' -> closeGroup();
                    case '|' -> {
                        frame.endAlternative();
                        i++;
                    }
                    case '*' -> repetition(0, -1, 1);
                    case '+' -> repetition(1, -1, 1);
                    case '?' -> repetition(0, 1, 1);
                    case '{' -> brace();
                    case '[' -> {
                        i = skipClass(i);
                        frame.atom(1, 1);
                    }
                    case '\\' -> escape();
                    default -> {
                        i += Character.charCount(p.codePointAt(i));
                        frame.atom(1, 1);
                    }
                }
            }
            while (!open.isEmpty()) {
                closeGroup(); // unbalanced: RE2/J refuses it, the estimate just has to terminate
            }
            return frame.finish();
        }

        private void openGroup() {
            boolean capturing = true;
            int next = i + 1;
            if (p.startsWith("?", next)) {
                if (p.startsWith("?P<", next) || p.startsWith("?<", next)) {
                    int close = p.indexOf('>', next);
                    next = close < 0 ? p.length() : close + 1;
                } else {
                    int j = next + 1;
                    while (j < p.length() && "imsU-".indexOf(p.charAt(j)) >= 0) {
                        j++;
                    }
                    if (j < p.length() && p.charAt(j) == ')') {
                        i = j + 1; // flags only: no node, so a repetition after it applies to the atom before
                        return;
                    }
                    capturing = j >= p.length() || p.charAt(j) != ':';
                    next = j < p.length() && p.charAt(j) == ':' ? j + 1 : next + 1;
                }
            }
            open.push(frame);
            frame = new Frame(capturing);
            i = next;
        }

        private void closeGroup() {
            if (open.isEmpty()) {
                i++;
                frame.atom(1, 1); // "unexpected )": RE2/J refuses it
                return;
            }
            Estimate group = frame.finish();
            frame = open.pop();
            frame.atom(group.size(), group.height());
            i++;
        }

        private void repetition(int min, int max, int length) {
            i += length;
            if (i < p.length() && p.charAt(i) == '?') {
                i++; // non-greedy marker
            }
            frame.repeat(min, max);
        }

        /** {@code {n}}, {@code {n,}} or {@code {n,m}} is a repetition; any other {@code {} is a literal. */
        private void brace() {
            int j = i + 1;
            int minStart = j;
            while (j < p.length() && isDigit(p.charAt(j))) {
                j++;
            }
            if (j == minStart || j >= p.length()) {
                literalBrace();
                return;
            }
            int min = count(p.substring(minStart, j));
            int max = min;
            if (p.charAt(j) == ',') {
                j++;
                int maxStart = j;
                while (j < p.length() && isDigit(p.charAt(j))) {
                    j++;
                }
                max = j == maxStart ? -1 : count(p.substring(maxStart, j));
            }
            if (j >= p.length() || p.charAt(j) != '}') {
                literalBrace();
                return;
            }
            repetition(min, max, j + 1 - i);
        }

        private void literalBrace() {
            i++;
            frame.atom(1, 1);
        }

        private void escape() {
            if (i + 1 >= p.length()) {
                i++; // trailing backslash: RE2/J refuses it
                return;
            }
            char c = p.charAt(i + 1);
            if (c == 'Q') {
                int end = p.indexOf("\\E", i + 2);
                String literal = p.substring(i + 2, end < 0 ? p.length() : end);
                literal.codePoints().forEach(cp -> frame.atom(1, 1));
                i = end < 0 ? p.length() : end + 2;
                return;
            }
            i = skipEscape(i);
            frame.atom(1, 1);
        }

        /** Returns the index after the escape sequence starting at {@code start} (a backslash). */
        private int skipEscape(int start) {
            int j = start + 1;
            if (j >= p.length()) {
                return j;
            }
            char c = p.charAt(j);
            if ((c == 'p' || c == 'P' || c == 'x') && j + 1 < p.length() && p.charAt(j + 1) == '{') {
                int close = p.indexOf('}', j + 2);
                return close < 0 ? p.length() : close + 1;
            }
            if (c == 'x') {
                int end = j + 1;
                while (end < p.length() && end < j + 3 && Character.digit(p.charAt(end), 16) >= 0) {
                    end++;
                }
                return end;
            }
            if (c >= '0' && c <= '7') {
                int end = j + 1;
                while (end < p.length() && end < j + 3 && p.charAt(end) >= '0' && p.charAt(end) <= '7') {
                    end++;
                }
                return end;
            }
            return j + Character.charCount(p.codePointAt(j));
        }

        /** Returns the index after the character class starting at {@code start} (a {@code [}). */
        private int skipClass(int start) {
            int j = start + 1;
            if (j < p.length() && p.charAt(j) == '^') {
                j++;
            }
            if (j < p.length() && p.charAt(j) == ']') {
                j++; // a leading ] is a literal
            }
            while (j < p.length() && p.charAt(j) != ']') {
                if (p.startsWith("[:", j) && p.indexOf(":]", j + 2) >= 0) {
                    j = p.indexOf(":]", j + 2) + 2;
                } else if (p.charAt(j) == '\\') {
                    j = skipEscape(j);
                } else {
                    j += Character.charCount(p.codePointAt(j));
                }
            }
            return Math.min(j + 1, p.length());
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private static int count(String digits) {
            return digits.length() > 4 ? MAX_COUNT : Math.min(Integer.parseInt(digits), MAX_COUNT);
        }
    }
}
