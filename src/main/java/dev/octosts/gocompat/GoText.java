package dev.octosts.gocompat;

import java.math.BigDecimal;
import java.util.List;

/**
 * Go's text handling where Octo STS messages and checks depend on it: {@code %q} quoting, float formatting and
 * {@code unicode.IsPrint}. Owns nothing else; depends on nothing of ours.
 */
public final class GoText {
    /** Longest piece of caller- or policy-supplied text a message echoes; longer text is cut. */
    public static final int MAX_ECHOED_CHARS = 512;
    /** Most list entries a message echoes. */
    public static final int MAX_ECHOED_ENTRIES = 32;

    private static final String HEX = "0123456789abcdef";

    private GoText() {
    }

    /**
     * Go's {@code %q} of a string ({@code strconv.Quote}), cut after {@link #MAX_ECHOED_CHARS} characters
     * so that an error message never grows with a huge input.
     */
    public static String quote(String s) {
        boolean cut = s.length() > MAX_ECHOED_CHARS;
        String shown = cut ? s.substring(0, MAX_ECHOED_CHARS) : s;
        StringBuilder out = new StringBuilder(shown.length() + 2).append('"');
        shown.codePoints().forEach(cp -> appendEscaped(out, cp));
        out.append('"');
        return cut ? out.append("...").toString() : out.toString();
    }

    /** Go's {@code %q} of a {@code []string}: {@code ["a" "b"]}. */
    public static String quoteList(List<String> values) {
        StringBuilder out = new StringBuilder("[");
        int shown = Math.min(values.size(), MAX_ECHOED_ENTRIES);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(quote(values.get(i)));
        }
        if (shown < values.size()) {
            out.append(" ...");
        }
        return out.append(']').toString();
    }

    private static void appendEscaped(StringBuilder out, int cp) {
        if (cp == '"' || cp == '\\') {
            out.append('\\').appendCodePoint(cp);
            return;
        }
        if (cp == ' ' || isGoPrintable(cp)) {
            out.appendCodePoint(cp);
            return;
        }
        switch (cp) {
            case 0x07 -> out.append("\\a");
            case '\b' -> out.append("\\b");
            case '\f' -> out.append("\\f");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            case 0x0b -> out.append("\\v");
            default -> {
                if (cp < ' ' || cp == 0x7f) {
                    out.append("\\x").append(hex(cp, 2));
                } else if (cp < 0x10000) {
                    out.append("\\u").append(hex(cp, 4));
                } else {
                    out.append("\\U").append(hex(cp, 8));
                }
            }
        }
    }

    private static String hex(int value, int digits) {
        char[] out = new char[digits];
        for (int i = digits - 1; i >= 0; i--) {
            out[i] = HEX.charAt(value & 0xf);
            value >>>= 4;
        }
        return new String(out);
    }

    /**
     * Go's {@code strconv.FormatFloat(f, 'g', -1, 32)}: the shortest decimal that identifies the value as a
     * float32, in exponent form when the exponent is below -4 or at least 6.
     */
    public static String formatFloat32(double value) {
        float f = (float) value;
        if (Float.isNaN(f)) {
            return "NaN";
        }
        if (Float.isInfinite(f)) {
            return f > 0 ? "+Inf" : "-Inf";
        }
        String sign = (Float.floatToRawIntBits(f) < 0) ? "-" : "";
        if (f == 0) {
            return sign + "0";
        }
        // Float.toString gives the shortest uniquely identifying digits (JDK 19+), as Go's algorithm does.
        BigDecimal decimal = new BigDecimal(Float.toString(Math.abs(f))).stripTrailingZeros();
        String digits = decimal.unscaledValue().toString();
        int pointPosition = digits.length() - decimal.scale();
        int exponent = pointPosition - 1;
        StringBuilder out = new StringBuilder(sign);
        if (exponent < -4 || exponent >= 6) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int magnitude = Math.abs(exponent);
            if (magnitude < 10) {
                out.append('0');
            }
            return out.append(magnitude).toString();
        }
        if (pointPosition <= 0) {
            out.append("0.").append("0".repeat(-pointPosition)).append(digits);
        } else if (pointPosition >= digits.length()) {
            out.append(digits).append("0".repeat(pointPosition - digits.length()));
        } else {
            out.append(digits, 0, pointPosition).append('.').append(digits, pointPosition, digits.length());
        }
        return out.toString();
    }

    /**
     * Go's {@code unicode.IsPrint} for code points other than the ASCII space: letters, marks, numbers,
     * punctuation and symbols. Also used to reproduce Go's quoting of messages.
     */
    public static boolean isGoPrintable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                 Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                 Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION,
                 Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }
}
