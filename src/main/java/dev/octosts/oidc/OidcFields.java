package dev.octosts.oidc;

import dev.octosts.gocompat.GoText;
import dev.octosts.gocompat.GoUrl;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Validation of the {@code iss}, {@code sub} and {@code aud} values of an OIDC token, with the exact
 * rules of Octo STS ({@code pkg/oidcvalidate}), on top of Go's {@code url.Parse} ({@link GoUrl}).
 */
public final class OidcFields {
    static final int MAX_LENGTH = 255;
    static final int MAX_PATH_SEGMENT_BYTES = 150;
    private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "::1");
    private static final String SUBJECT_FORBIDDEN = "\"'`\\<>;&$(){}[]";
    private static final String AUDIENCE_FORBIDDEN = SUBJECT_FORBIDDEN + "|@";

    private OidcFields() {
    }

    public static boolean isValidIssuer(String issuer) {
        return parseIssuer(issuer) != null;
    }

    /** The parsed issuer when it passes every rule, otherwise {@code null}. */
    public static GoUrl parseIssuer(String issuer) {
        if (issuer == null || issuer.isEmpty() || issuer.codePointCount(0, issuer.length()) > MAX_LENGTH) {
            return null;
        }
        if (issuer.indexOf('?') >= 0 || issuer.indexOf('#') >= 0) {
            return null;
        }
        GoUrl url = GoUrl.parse(issuer);
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
        return value.codePoints().allMatch(cp -> cp > 0x20 && forbidden.indexOf(cp) < 0 && GoText.isGoPrintable(cp));
    }
}
