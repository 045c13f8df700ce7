package dev.octosts.oidc;

/** Making untrusted text (issuers, remote JSON values) safe for a one-line log or audit detail. */
final class Text {
    private Text() {
    }

    /** Control characters escaped, cut to {@code max} characters with an ellipsis. */
    static String printable(String s, int max) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length() && out.length() < max; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (out.length() >= max && s.length() > max) {
            out.setLength(max);
            out.append('…');
        }
        return out.toString();
    }
}
