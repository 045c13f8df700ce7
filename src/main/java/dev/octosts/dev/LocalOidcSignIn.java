package dev.octosts.dev;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The local issuer's browser sign-in: an OpenID Connect authorization endpoint whose page asks only whom to
 * sign in as (there are no passwords in the sandbox), and the token endpoint that exchanges the code for an
 * ID token after checking the client's secret and the PKCE verifier (S256). Clients are registered with
 * their exact redirect URL.
 */
final class LocalOidcSignIn {
    static final String AUTHORIZE_PATH = "/authorize";
    static final String CODE_TOKEN_PATH = "/oauth/token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A registered client. */
    private record Client(String secret, String redirectUri) {
    }

    /** An issued code: for whom, to which client, and what the token request must prove. */
    private record Grant(String clientId, String redirectUri, String challenge, String nonce, String subject) {
    }

    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Cache<String, Grant> codes = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofMinutes(5)).maximumSize(1_000).build();
    private final Supplier<LocalOidcTokenBuilder> tokens;

    LocalOidcSignIn(Supplier<LocalOidcTokenBuilder> tokens) {
        this.tokens = tokens;
    }

    void registerClient(String clientId, String secret, String redirectUri) {
        clients.put(clientId, new Client(secret, redirectUri));
    }

    void routes(HttpRouting.Builder routing) {
        routing.get(AUTHORIZE_PATH, this::page)
                .post(AUTHORIZE_PATH, this::approve)
                .post(CODE_TOKEN_PATH, this::token);
    }

    /** The "sign in as" page, carrying the authorization request in hidden fields. */
    private void page(ServerRequest req, ServerResponse res) {
        Map<String, String> request = new HashMap<>();
        for (String name : new String[] {"client_id", "redirect_uri", "state", "nonce", "code_challenge",
                "code_challenge_method", "response_type"}) {
            request.put(name, req.query().first(name).orElse(""));
        }
        String problem = problem(request);
        if (problem != null) {
            res.status(Status.BAD_REQUEST_400).header(HeaderNames.CONTENT_TYPE, "text/plain").send(problem);
            return;
        }
        StringBuilder hidden = new StringBuilder();
        request.forEach((name, value) -> hidden.append("<input type=\"hidden\" name=\"").append(name)
                .append("\" value=\"").append(escape(value)).append("\">"));
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        res.send("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Local issuer: sign in</title>"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>"
                + "<body style=\"font-family:sans-serif;max-width:32rem;margin:2rem auto\"><h1>Local issuer</h1>"
                + "<p>The sandbox's identity provider has no passwords: choose whom to sign in as for <b>"
                + escape(request.get("client_id")) + "</b>.</p>"
                + "<form method=\"post\" action=\"" + AUTHORIZE_PATH + "\">" + hidden
                + "<p><label>Sign in as <input id=\"subject\" name=\"subject\" value=\"auditor@example.com\"></label></p>"
                + "<p><button id=\"sign-in\" type=\"submit\">Sign in</button></p></form>"
                + "<p>auditor@example.com is an audit reader in the sandbox; anyone else is not.</p></body></html>");
    }

    private void approve(ServerRequest req, ServerResponse res) {
        Map<String, String> form = form(req.content().as(String.class));
        String problem = problem(form);
        String subject = form.getOrDefault("subject", "").strip();
        if (problem == null && subject.isEmpty()) {
            problem = "choose whom to sign in as";
        }
        if (problem != null) {
            res.status(Status.BAD_REQUEST_400).header(HeaderNames.CONTENT_TYPE, "text/plain").send(problem);
            return;
        }
        String code = random();
        codes.put(code, new Grant(form.get("client_id"), form.get("redirect_uri"), form.get("code_challenge"),
                form.get("nonce"), subject));
        res.status(Status.SEE_OTHER_303);
        res.header(HeaderNames.LOCATION, form.get("redirect_uri") + "?code=" + encode(code) + "&state="
                + encode(form.get("state")));
        res.send();
    }

    private void token(ServerRequest req, ServerResponse res) {
        Map<String, String> form = form(req.content().as(String.class));
        String[] basic = basic(req.headers().first(HeaderNames.AUTHORIZATION).orElse(""));
        Grant grant = codes.asMap().remove(form.getOrDefault("code", ""));
        Client client = basic == null ? null : clients.get(basic[0]);
        if (client == null || !client.secret().equals(basic[1])) {
            error(res, Status.UNAUTHORIZED_401, "invalid_client");
        } else if (grant == null || !grant.clientId().equals(basic[0])
                || !grant.redirectUri().equals(form.get("redirect_uri"))
                || !"authorization_code".equals(form.get("grant_type"))
                || !grant.challenge().equals(challenge(form.getOrDefault("code_verifier", "")))) {
            error(res, Status.BAD_REQUEST_400, "invalid_grant");
        } else {
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("nonce", grant.nonce());
            claims.put("email", grant.subject());
            claims.put("name", grant.subject());
            String idToken = tokens.get().subject(grant.subject()).audience(grant.clientId()).claims(claims).mint();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("access_token", random());
            body.put("token_type", "Bearer");
            body.put("expires_in", 600);
            body.put("id_token", idToken);
            json(res, Status.OK_200, body);
        }
    }

    /** What is wrong with an authorization request, or null. */
    private String problem(Map<String, String> request) {
        Client client = clients.get(request.getOrDefault("client_id", ""));
        if (client == null) {
            return "unknown client_id";
        }
        if (!client.redirectUri().equals(request.get("redirect_uri"))) {
            return "redirect_uri is not the one registered for this client";
        }
        if (!"code".equals(request.get("response_type")) || !"S256".equals(request.get("code_challenge_method"))
                || request.getOrDefault("code_challenge", "").isEmpty() || request.getOrDefault("state", "").isEmpty()) {
            return "an authorization code request with state and an S256 code challenge is required";
        }
        return null;
    }

    private static String challenge(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Client ID and secret of an HTTP Basic header (each form-encoded, RFC 6749 section 2.3.1), or null. */
    private static String[] basic(String header) {
        if (!header.startsWith("Basic ")) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : new String[] {URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
                URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)};
    }

    private static Map<String, String> form(String body) {
        Map<String, String> values = new HashMap<>();
        for (String pair : body.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                values.putIfAbsent(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    private static void error(ServerResponse res, Status status, String error) {
        json(res, status, Map.of("error", error));
    }

    private static void json(ServerResponse res, Status status, Map<String, Object> body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        try {
            res.send(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String random() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String escape(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
