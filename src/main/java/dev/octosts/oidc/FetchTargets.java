package dev.octosts.oidc;

import java.net.URI;
import java.util.Locale;

/**
 * Which URLs may be fetched: a discovery URL, a {@code jwks_uri}, a JWKS override URL, and every
 * redirect {@code Location}. The origin ({@code scheme://authority}) must pass the issuer rules of
 * {@link OidcFields#parseIssuer(String)}: https, or http only for {@code localhost}, {@code 127.0.0.1}
 * and {@code ::1}; a non-empty ASCII host; a numeric port; no userinfo. The path and query are not held
 * to the issuer path rules, since key-set URLs such as {@code /oauth2/v3/certs} or {@code /keys?v=2} are
 * legitimate; they only have to be valid {@link URI} syntax. A fragment is refused. Where the target's
 * addresses may point is checked separately, after name resolution ({@link PrivateAddresses}).
 */
final class FetchTargets {
    private FetchTargets() {
    }

    /** The reason {@code url} may not be fetched, or {@code null} if it may. */
    static String problem(URI url) {
        if (!url.isAbsolute() || url.isOpaque() || url.getRawAuthority() == null) {
            return "not an absolute http(s) URL";
        }
        if (url.getRawFragment() != null) {
            return "has a fragment";
        }
        String origin = url.getScheme() + "://" + url.getRawAuthority();
        if (OidcFields.parseIssuer(origin) == null) {
            return "scheme, host or userinfo break the issuer rules (https, or http only on a loopback host;"
                    + " ASCII host; no userinfo)";
        }
        if (url.getHost() == null) {
            return "host is not a valid server name";
        }
        return null;
    }

    /** The host as it is resolved and matched against the private-network allowlist. */
    static String hostOf(URI url) {
        return normalHost(url.getHost());
    }

    /** A host as written in a URL ({@code Example.COM}, {@code [::1]}) in the form it is resolved and compared. */
    static String normalHost(String host) {
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host.toLowerCase(Locale.ROOT);
    }
}
