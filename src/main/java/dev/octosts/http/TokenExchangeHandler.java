package dev.octosts.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.ExchangeRequest;
import dev.octosts.exchange.ExchangeResult;
import dev.octosts.exchange.ExchangeService;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * RFC 8693 token exchange on {@code POST /oauth2/token}, and its RFC 8414 metadata: the same exchange as
 * {@code /sts/exchange}, recorded the same way, answered in OAuth 2.0's shape. A refused subject token
 * (unverifiable, or refused by a trust policy) is {@code invalid_request} as RFC 8693 §2.2.2 requires, with
 * the exchange's public message; a resource the service cannot serve is {@code invalid_target}; asking for
 * more than the policies grant is {@code invalid_scope}; failures of the service itself are 5xx.
 */
final class TokenExchangeHandler {
    static final String TOKEN_PATH = "/oauth2/token";
    static final String METADATA_PATH = "/.well-known/oauth-authorization-server";
    /** Exchange reasons about the resource asked for, not the subject token. */
    private static final Set<String> TARGET_REASONS = Set.of("no_app_for_owner", "not_installed",
            "scopes_owners_differ", "scopes_not_repositories", "too_many_scopes", "no_common_permissions");
    /** Exchange reasons about the permissions asked for. */
    private static final Set<String> SCOPE_REASONS = Set.of("permission_not_granted");

    private final ExchangeService exchange;
    private final PublicApi api;
    private final byte[] metadata;

    TokenExchangeHandler(ExchangeService exchange, PublicApi api, String domain) {
        this.exchange = exchange;
        this.api = api;
        String issuer = "https://" + domain;
        ObjectNode document = api.json().createObjectNode();
        document.put("issuer", issuer);
        document.put("token_endpoint", issuer + TOKEN_PATH);
        document.putArray("grant_types_supported").add(TokenExchangeParameters.GRANT_TYPE);
        document.putArray("token_endpoint_auth_methods_supported").add("none");
        // RFC 8414 requires the list; there is no authorization endpoint, so no response type.
        document.putArray("response_types_supported");
        this.metadata = bytes(document);
    }

    void metadata(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(metadata);
    }

    void token(ServerRequest req, ServerResponse res) {
        // The subject token comes in the body: the Authorization header is not read.
        PublicApi.Caller caller = api.caller(req, res);
        // RFC 6749 §5.1: no cache keeps a token, nor an answer about one.
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.PRAGMA, "no-cache");
        TokenExchangeParameters params;
        try {
            params = TokenExchangeParameters.parse(FormBody.pairs(formBody(req)));
        } catch (IllegalArgumentException e) {
            if (req.content().hasEntity()) {
                res.header(HeaderValues.CONNECTION_CLOSE);
            }
            ExchangeResult refused = exchange.refuseMalformed(new ExchangeRequest(caller.requestId(), List.of(), "",
                    List.of(), "", caller.address(), caller.userAgent()), e.getMessage());
            // Recorded as malformed (or rate limited): the OAuth error says which parameter was wrong.
            api.overBudget().beforeRefusal(res, refused);
            int status = statusOf(refused.record());
            String error = status != 400 ? errorOf(refused.record())
                    : e instanceof TokenExchangeParameters.Refused oauth ? oauth.error() : "invalid_request";
            sendError(res, status, error, refused.record().message());
            return;
        }
        ExchangeResult result = exchange.exchange(new ExchangeRequest(caller.requestId(),
                List.of("Bearer " + params.subjectToken()), "", params.scopes(), params.identity(),
                caller.address(), caller.userAgent(), params.downScoping()));
        if (!result.allowed()) {
            api.overBudget().beforeRefusal(res, result);
            sendError(res, statusOf(result.record()), errorOf(result.record()), result.record().message());
            return;
        }
        ObjectNode body = api.json().createObjectNode();
        body.put("access_token", result.token().token());
        body.put("issued_token_type", TokenExchangeParameters.ACCESS_TOKEN_TYPE);
        body.put("token_type", "Bearer");
        body.put("expires_in", Math.max(0, Duration.between(Instant.now(), result.token().expiresAt()).toSeconds()));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(bytes(body));
    }

    /** The form body; any other content is not an RFC 8693 request. */
    private static String formBody(ServerRequest req) {
        if (!ExchangeHandler.contentType(req).equals(ExchangeParameters.FORM) || !req.content().hasEntity()) {
            throw new IllegalArgumentException("send the request as application/x-www-form-urlencoded");
        }
        return ExchangeHandler.boundedBody(req);
    }

    /** 5xx for the service's own failures and outages; 400 for everything the caller can change. */
    private static int statusOf(ExchangeRecord record) {
        return switch (record.code()) {
            case INTERNAL, UNKNOWN, DATA_LOSS -> 500;
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> 503;
            default -> 400;
        };
    }

    private static String errorOf(ExchangeRecord record) {
        int status = statusOf(record);
        if (status == 500) {
            return "server_error";
        }
        if (status == 503) {
            return "temporarily_unavailable";
        }
        if (TARGET_REASONS.contains(record.reason())) {
            return "invalid_target";
        }
        return SCOPE_REASONS.contains(record.reason()) ? "invalid_scope" : "invalid_request";
    }

    private void sendError(ServerResponse res, int status, String error, String message) {
        ObjectNode body = api.json().createObjectNode();
        body.put("error", error);
        body.put("error_description", describable(message));
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(bytes(body));
    }

    /**
     * RFC 6749 §5.2 allows only printable ASCII without {@code "} and {@code \} in a description: the
     * exchange's message with double quotes as single quotes, anything else outside the set as {@code ?}.
     */
    static String describable(String message) {
        StringBuilder out = new StringBuilder(message.length());
        message.codePoints().forEach(c -> {
            if (c == '"') {
                out.append('\'');
            } else if (c < 0x20 || c > 0x7e || c == '\\') {
                out.append('?');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private byte[] bytes(ObjectNode node) {
        try {
            return api.json().writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings and numbers always serialises", e);
        }
    }
}
