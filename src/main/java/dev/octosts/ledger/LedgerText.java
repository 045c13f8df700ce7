package dev.octosts.ledger;

import dev.octosts.digest.Sha256;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The bounded forms of a text in the ledger: {@linkplain #sanitize sanitised} in a document,
 * {@linkplain #column bounded in bytes} in a query column, {@linkplain #hashed hashed} in a reduced record.
 *
 * <p>A query column holds its document field bounded in bytes: a B-tree index row over about 2,700
 * bytes is refused by PostgreSQL, and an outsider chooses most of these fields.
 */
public final class LedgerText {
    /** Characters kept of a longer string; {@link #TRUNCATION_MARK} follows them. */
    public static final int MAX_TEXT_CHARS = 1024;
    public static final String TRUNCATION_MARK = "…";
    /** UTF-8 bytes a query column holds at most: well inside PostgreSQL's B-tree row limit of about 2,700. */
    public static final int MAX_COLUMN_BYTES = 1024;
    /** Written before the SHA-256 of a column value that did not fit, and before each hashed text of a reduced record. */
    public static final String SHA256_MARK = "sha256:";

    private static final int COLUMN_PREFIX_BYTES = 256;
    private static final String COLUMN_HASH_MARK = TRUNCATION_MARK + SHA256_MARK;
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final HexFormat HEX = HexFormat.of();

    private LedgerText() {
    }

    /**
     * Makes a string from a request or a token storable and printable: NUL and the other C0 controls
     * except tab, newline and carriage return, and lone UTF-16 surrogates, become the visible text
     * {@code \u0000} (backslash, u, four lowercase hex digits); then a result longer than
     * {@value #MAX_TEXT_CHARS} characters keeps its first {@value #MAX_TEXT_CHARS} (one fewer when that
     * would split a surrogate pair) followed by {@code …}. Null stays null.
     */
    public static String sanitize(String text) {
        if (text == null) {
            return null;
        }
        int first = firstUnsafe(text);
        if (first < 0 && text.length() <= MAX_TEXT_CHARS) {
            return text;
        }
        String escaped = first < 0 ? text : escape(text, first, MAX_TEXT_CHARS + 1);
        if (escaped.length() <= MAX_TEXT_CHARS) {
            return escaped;
        }
        int end = Character.isHighSurrogate(escaped.charAt(MAX_TEXT_CHARS - 1)) ? MAX_TEXT_CHARS - 1 : MAX_TEXT_CHARS;
        return escaped.substring(0, end) + TRUNCATION_MARK;
    }

    /**
     * The query column form of a document field: the field itself when it is at most
     * {@value #MAX_COLUMN_BYTES} bytes of UTF-8; else its first 256 bytes or fewer (whole characters),
     * {@code …sha256:} and the lowercase hex SHA-256 of its UTF-8. A field that itself ends like that
     * form is hashed too, so two different fields never share a column value. Null stays null.
     */
    public static String column(String field) {
        if (field == null) {
            return null;
        }
        boolean fits = field.length() * 3 <= MAX_COLUMN_BYTES || utf8Length(field) <= MAX_COLUMN_BYTES;
        if (fits && !looksHashed(field)) {
            return field;
        }
        return prefix(field, COLUMN_PREFIX_BYTES) + COLUMN_HASH_MARK + Sha256.hex(field);
    }

    /** How a reduced record holds a text: {@code sha256:} and the lowercase hex SHA-256 of its UTF-8. */
    public static String hashed(String text) {
        return SHA256_MARK + Sha256.hex(text);
    }

    /** Whether {@code text} ends like the {@link #column} form of a longer text. */
    private static boolean looksHashed(String text) {
        int hex = text.length() - 64;
        return hex >= COLUMN_HASH_MARK.length() && text.startsWith(COLUMN_HASH_MARK, hex - COLUMN_HASH_MARK.length())
                && HEX_SHA256.matcher(text).region(hex, text.length()).matches();
    }

    private static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** The longest prefix of whole code points whose UTF-8 is at most {@code maxBytes}. */
    private static String prefix(String text, int maxBytes) {
        int bytes = 0;
        int end = 0;
        while (end < text.length()) {
            int codePoint = text.codePointAt(end);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end += Character.charCount(codePoint);
        }
        return text.substring(0, end);
    }


    /** Index of the first character {@link #sanitize} must escape, or -1. */
    private static int firstUnsafe(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 ? c != '\t' && c != '\n' && c != '\r' : Character.isSurrogate(c)) {
                if (c >= 0x20 && Character.isHighSurrogate(c) && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return i;
            }
        }
        return -1;
    }

    /** The escaped text, or its first {@code limit} characters or more when it is longer. */
    private static String escape(String text, int from, int limit) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), limit) + 16).append(text, 0, Math.min(from, limit));
        for (int i = from; i < text.length() && out.length() < limit; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || Character.isSurrogate(c)) {
                out.append("\\u").append(HEX.toHexDigits((short) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
