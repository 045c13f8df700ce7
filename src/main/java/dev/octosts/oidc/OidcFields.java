package dev.octosts.oidc;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Validation of the {@code iss}, {@code sub} and {@code aud} values of an OIDC token, with the exact
 * rules of Octo STS ({@code pkg/oidcvalidate}), including the parts of Go's {@code url.Parse} that
 * decide whether an issuer is accepted.
 */
public final class OidcFields {
    static final int MAX_LENGTH = 255;
    static final int MAX_PATH_SEGMENT_BYTES = 150;
    private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "::1");
    private static final String SUBJECT_FORBIDDEN = "\"'`\\<>;&$(){}[]";
    private static final String AUDIENCE_FORBIDDEN = SUBJECT_FORBIDDEN + "|@";

    private OidcFields() {
    }

    /** The parts of an issuer URL that the rules look at, as Go's {@code url.Parse} splits them. */
    public record IssuerUrl(String scheme, String host, String hostname, String path) {
    }

    public static boolean isValidIssuer(String issuer) {
        return parseIssuer(issuer) != null;
    }

    /** The parsed issuer when it passes every rule, otherwise {@code null}. */
    public static IssuerUrl parseIssuer(String issuer) {
        if (issuer == null || issuer.isEmpty() || issuer.codePointCount(0, issuer.length()) > MAX_LENGTH) {
            return null;
        }
        if (issuer.indexOf('?') >= 0 || issuer.indexOf('#') >= 0) {
            return null;
        }
        IssuerUrl url = goUrlParse(issuer);
        if (url == null || url.hostname().isEmpty()) {
            return null;
        }
        if (!url.scheme().equals("https")
                && !(url.scheme().equals("http") && LOOPBACK_HOSTS.contains(url.hostname()))) {
            return null;
        }
        for (int i = 0; i < url.hostname().length(); i++) {
            char c = url.hostname().charAt(i);
            if (c >= 0x80 || c <= 0x20 || c == 0x7f) {
                return null;
            }
        }
        return url.path().isEmpty() || isValidIssuerPath(url.path()) ? url : null;
    }

    private static boolean isValidIssuerPath(String path) {
        if (path.contains("..") || path.contains("//") || path.contains("~~") || path.endsWith("~")
                || !path.startsWith("/")) {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
            if (!allowed) {
                return false;
            }
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..") || segment.equals("~")
                    || segment.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_SEGMENT_BYTES) {
                return false;
            }
        }
        return true;
    }

    /**
     * The subset of Go's {@code url.Parse} that matters for issuers (query and fragment were already
     * refused): scheme, authority with userinfo rejected, host characters, port digits, decoded path.
     * Returns {@code null} where Go returns an error or the URL has userinfo.
     */
    private static IssuerUrl goUrlParse(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return null;
            }
        }
        int colon = raw.indexOf(':');
        if (colon <= 0 || !Character.isLetter(raw.charAt(0)) || raw.charAt(0) >= 0x80) {
            return null;
        }
        for (int i = 1; i < colon; i++) {
            char c = raw.charAt(i);
            boolean schemeChar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '-' || c == '.';
            if (!schemeChar) {
                return null;
            }
        }
        String scheme = raw.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = raw.substring(colon + 1);
        if (!rest.startsWith("//")) {
            return new IssuerUrl(scheme, "", "", "");
        }
        rest = rest.substring(2);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String rawPath = slash < 0 ? "" : rest.substring(slash);
        if (authority.indexOf('@') >= 0) {
            return null;
        }
        String hostname = parseHost(authority);
        if (hostname == null) {
            return null;
        }
        String path = percentDecode(rawPath);
        return path == null ? null : new IssuerUrl(scheme, authority, hostname, path);
    }

    /**
     * Go's {@code parseHost}: returns the hostname without port and brackets, or null on error.
     * Like Go since 1.25.2 (CVE-2025-47912), brackets must hold an IPv6 address. Stricter than Go:
     * a percent sign is refused anywhere in the host, so IPv6 zones ({@code [fe80::1%25en0]}) and
     * {@code %25} escapes in names are refused; no public OIDC issuer uses either.
     */
    private static String parseHost(String host) {
        if (host.startsWith("[")) {
            int close = host.lastIndexOf(']');
            if (close < 0 || !validOptionalPort(host.substring(close + 1))) {
                return null;
            }
            String literal = host.substring(1, close);
            return isIpv6Literal(literal) ? literal : null;
        }
        int colon = host.lastIndexOf(':');
        String name = host;
        if (colon >= 0) {
            if (!validOptionalPort(host.substring(colon))) {
                return null;
            }
            name = host.substring(0, colon);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%') {
                return null;
            }
            if (c < 0x80 && !isHostChar(c)) {
                return null;
            }
        }
        return name;
    }

    /** RFC 4291 text form: eight hex groups, one {@code ::} for a run of zeros, optional dotted IPv4 tail. */
    static boolean isIpv6Literal(String s) {
        int elision = s.indexOf("::");
        if (elision >= 0 && s.indexOf("::", elision + 1) >= 0) {
            return false;
        }
        String[] halves = elision >= 0
                ? new String[] {s.substring(0, elision), s.substring(elision + 2)}
                : new String[] {s};
        int groups = 0;
        for (int h = 0; h < halves.length; h++) {
            if (halves[h].isEmpty()) {
                continue;
            }
            String[] parts = halves[h].split(":", -1);
            for (int i = 0; i < parts.length; i++) {
                boolean lastOfAddress = h == halves.length - 1 && i == parts.length - 1;
                if (lastOfAddress && parts[i].indexOf('.') >= 0) {
                    if (!isIpv4Literal(parts[i])) {
                        return false;
                    }
                    groups += 2;
                } else if (parts[i].isEmpty() || parts[i].length() > 4 || !isHex(parts[i])) {
                    return false;
                } else {
                    groups++;
                }
            }
        }
        return elision >= 0 ? groups <= 7 : groups == 8;
    }

    private static boolean isIpv4Literal(String s) {
        String[] octets = s.split("\\.", -1);
        if (octets.length != 4) {
            return false;
        }
        for (String octet : octets) {
            if (octet.isEmpty() || octet.length() > 3 || (octet.length() > 1 && octet.charAt(0) == '0')
                    || !octet.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(String s) {
        return s.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 0x80);
    }

    private static boolean isHostChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-_.~!$&'()*+,;=:[]<>\"".indexOf(c) >= 0;
    }

    private static boolean validOptionalPort(String port) {
        if (port.isEmpty()) {
            return true;
        }
        if (port.charAt(0) != ':') {
            return false;
        }
        for (int i = 1; i < port.length(); i++) {
            if (port.charAt(i) < '0' || port.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%') {
                if (i + 2 >= in.length) {
                    return null;
                }
                int hi = Character.digit(in[i + 1], 16);
                int lo = Character.digit(in[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public static boolean isValidSubject(String subject) {
        return isValidIdentifier(subject, SUBJECT_FORBIDDEN);
    }

    public static boolean isValidAudience(String audience) {
        return isValidIdentifier(audience, AUDIENCE_FORBIDDEN);
    }

    private static boolean isValidIdentifier(String value, String forbidden) {
        if (value == null || value.isEmpty() || value.codePointCount(0, value.length()) > MAX_LENGTH) {
            return false;
        }
        return value.codePoints().allMatch(cp -> cp > 0x20 && forbidden.indexOf(cp) < 0 && isGoPrintable(cp));
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
