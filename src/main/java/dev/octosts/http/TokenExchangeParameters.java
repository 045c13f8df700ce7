package dev.octosts.http;

import dev.octosts.exchange.ExchangeRequest.DownScoping;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An RFC 8693 token exchange request ({@code POST /oauth2/token}, a form) as the exchange's parameters:
 * {@code subject_token} is the OIDC token, each {@code resource} a scope ({@code org/repo}, {@code org} or
 * {@code https://github.com/org/repo}), and {@code scope} holds exactly one {@code identity:<name>} and
 * optional {@code <permission>:<level>} entries that narrow the token. What cannot be read is a
 * {@link Refused} carrying the RFC 6749 error code; its text is fixed, nothing the caller sent is echoed.
 */
record TokenExchangeParameters(String subjectToken, List<String> scopes, String identity,
                               Map<String, String> permissions) {
    static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    private static final List<String> SUBJECT_TOKEN_TYPES = List.of("urn:ietf:params:oauth:token-type:jwt",
            "urn:ietf:params:oauth:token-type:id_token");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");
    private static final Pattern PERMISSION = Pattern.compile("([a-z][a-z_]{0,63}):([a-z]{1,16})");
    private static final String IDENTITY_PREFIX = "identity:";

    /** A request that cannot be read: the RFC 6749 {@code error} and its fixed description. */
    static final class Refused extends IllegalArgumentException {
        private final String error;

        Refused(String error, String description) {
            super(description);
            this.error = error;
        }

        /** Control flow for a caller's mistake: no stack trace. */
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }

        String error() {
            return error;
        }
    }

    DownScoping downScoping() {
        return new DownScoping(permissions.isEmpty() ? null : permissions, null);
    }

    static TokenExchangeParameters parse(List<Map.Entry<String, String>> form) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        form.forEach(pair -> fields.computeIfAbsent(pair.getKey(), name -> new ArrayList<>()).add(pair.getValue()));
        String grantType = single(fields, "grant_type");
        if (!GRANT_TYPE.equals(grantType)) {
            throw new Refused("unsupported_grant_type", "grant_type must be " + GRANT_TYPE);
        }
        String subjectToken = single(fields, "subject_token");
        if (!SUBJECT_TOKEN_TYPES.contains(single(fields, "subject_token_type"))) {
            throw invalidRequest("subject_token_type must be urn:ietf:params:oauth:token-type:jwt or ...:id_token");
        }
        if (fields.containsKey("actor_token") || fields.containsKey("actor_token_type")) {
            throw invalidRequest("actor_token is not supported");
        }
        if (fields.containsKey("requested_token_type")
                && !ACCESS_TOKEN_TYPE.equals(single(fields, "requested_token_type"))) {
            throw new Refused("invalid_target", "requested_token_type must be " + ACCESS_TOKEN_TYPE);
        }
        List<String> resources = fields.getOrDefault("resource", List.of());
        if (resources.isEmpty()) {
            throw new Refused("invalid_target", "resource must name a repository or organization");
        }
        List<String> scopes = new ArrayList<>();
        for (String resource : resources) {
            scopes.add(scopeOf(resource));
        }
        String identity = null;
        Map<String, String> permissions = new LinkedHashMap<>();
        for (String entry : single(fields, "scope").split(" ")) {
            if (entry.startsWith(IDENTITY_PREFIX)) {
                if (identity != null || !NAME.matcher(entry.substring(IDENTITY_PREFIX.length())).matches()) {
                    throw invalidScope();
                }
                identity = entry.substring(IDENTITY_PREFIX.length());
                continue;
            }
            var permission = PERMISSION.matcher(entry);
            if (!permission.matches() || permissions.put(permission.group(1), permission.group(2)) != null) {
                throw invalidScope();
            }
        }
        if (identity == null) {
            throw invalidScope();
        }
        return new TokenExchangeParameters(subjectToken, scopes, identity, permissions);
    }

    /** {@code org/repo}, {@code org}, or {@code https://github.com/} followed by either. */
    private static String scopeOf(String resource) {
        String path = resource;
        if (resource.startsWith("https://")) {
            try {
                URI uri = new URI(resource);
                if (!"github.com".equals(uri.getHost()) || uri.getPort() != -1 || uri.getRawQuery() != null
                        || uri.getRawFragment() != null || uri.getRawUserInfo() != null || uri.getPath() == null) {
                    throw unservable();
                }
                path = uri.getPath().startsWith("/") ? uri.getPath().substring(1) : uri.getPath();
            } catch (URISyntaxException e) {
                throw unservable();
            }
        }
        String[] parts = path.split("/", -1);
        if (parts.length > 2 || !java.util.Arrays.stream(parts)
                .allMatch(part -> NAME.matcher(part).matches() && !part.matches("\\.+"))) {
            throw unservable();
        }
        return path;
    }

    private static String single(Map<String, List<String>> fields, String name) {
        List<String> values = fields.get(name);
        if (values == null || values.size() != 1 || values.getFirst().isEmpty()) {
            throw invalidRequest(name + " must be given exactly once");
        }
        return values.getFirst();
    }

    private static Refused invalidRequest(String description) {
        return new Refused("invalid_request", description);
    }

    private static Refused invalidScope() {
        return new Refused("invalid_scope",
                "scope must hold exactly one identity:<name> and optional <permission>:<level> entries");
    }

    private static Refused unservable() {
        return new Refused("invalid_target", "resource must be org/repo, org or https://github.com/org/repo");
    }
}
