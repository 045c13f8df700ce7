package dev.octosts.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.common.uri.UriQuery;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code scope}, {@code scopes} and {@code identity} of an exchange request, read as grpc-gateway reads
 * them: from the query string, each overridden by a form or JSON body's field when the request has one.
 * Anything that cannot be read is an {@link IllegalArgumentException} whose message is fixed text: nothing
 * the caller sent is echoed.
 */
record ExchangeParameters(String scope, List<String> scopes, String identity) {
    static final String FORM = "application/x-www-form-urlencoded";
    static final String JSON = "application/json";

    ExchangeParameters {
        scopes = List.copyOf(scopes);
    }

    static ExchangeParameters fromQuery(UriQuery query) {
        return new ExchangeParameters(query.first("scope").orElse(""), query.all("scopes", List::of),
                query.first("identity").orElse(""));
    }

    /**
     * These parameters with the fields of a request body.
     *
     * @param contentType the body's media type in lower case, without parameters; "" when the request has none
     */
    ExchangeParameters overriddenBy(String contentType, String body, ObjectMapper json) {
        return switch (contentType) {
            case FORM -> overriddenByForm(body);
            case JSON -> overriddenByJson(body, json);
            default -> throw new IllegalArgumentException(
                    "unsupported content type; send application/x-www-form-urlencoded or application/json");
        };
    }

    /**
     * Read here rather than with Helidon's form support ({@code content().as(Parameters.class)}): Helidon 4.5
     * matches pairs with the regex {@code ([^=&]+)=([^&]*)&?}, which backtracks quadratically on a body without
     * {@code =} (about a second of CPU for a 16 KiB body, on the unauthenticated exchange route), reads the whole
     * body whatever our 16 KiB limit, and drops {@code name} and {@code name=} pairs, which grpc-gateway (Go's
     * {@code url.ParseQuery}) reads as empty values. This split is linear and reads them as grpc-gateway does.
     */
    private ExchangeParameters overriddenByForm(String body) {
        String newScope = scope;
        String newIdentity = identity;
        List<String> formScopes = new ArrayList<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            switch (name) {
                case "scope" -> newScope = value;
                case "scopes" -> formScopes.add(value);
                case "identity" -> newIdentity = value;
                default -> {
                    // grpc-gateway ignores fields it does not know
                }
            }
        }
        return new ExchangeParameters(newScope, formScopes.isEmpty() ? scopes : formScopes, newIdentity);
    }

    private ExchangeParameters overriddenByJson(String body, ObjectMapper json) {
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("request body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("request body must be a JSON object");
        }
        String newScope = text(node, "scope", scope);
        String newIdentity = text(node, "identity", identity);
        List<String> newScopes = scopes;
        JsonNode array = node.get("scopes");
        if (array != null && !array.isNull()) {
            if (!array.isArray()) {
                throw new IllegalArgumentException("scopes must be a list of strings");
            }
            newScopes = new ArrayList<>();
            for (JsonNode element : array) {
                if (!element.isTextual()) {
                    throw new IllegalArgumentException("scopes must be a list of strings");
                }
                newScopes.add(element.asText());
            }
        }
        return new ExchangeParameters(newScope, newScopes, newIdentity);
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string");
        }
        return value.asText();
    }

    private static String decode(String value) {
        try {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("request body is not a valid form");
        }
    }
}
