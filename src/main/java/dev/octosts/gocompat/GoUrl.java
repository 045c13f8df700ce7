package dev.octosts.gocompat;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The parts of a URL that Octo STS's issuer rules look at, split as Go's {@code url.Parse} splits them. Owns
 * Go's URL parsing only (the rules themselves live in oidc); depends on nothing of ours.
 *
 * @param scheme   lower-cased scheme
 * @param host     the authority as written, port included
 * @param hostname the host without port and brackets
 * @param path     the decoded path, empty when absent
 */
public record GoUrl(String scheme, String host, String hostname, String path) {

    /**
     * The subset of Go's {@code url.Parse} that matters for issuers (query and fragment were already
     * refused): scheme, authority with userinfo rejected, host characters, port digits, decoded path.
     * Returns {@code null} where Go returns an error or the URL has userinfo.
     */
    public static GoUrl parse(String raw) {
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
            return new GoUrl(scheme, "", "", "");
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
        return path == null ? null : new GoUrl(scheme, authority, hostname, path);
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
    private static boolean isIpv6Literal(String s) {
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
}
