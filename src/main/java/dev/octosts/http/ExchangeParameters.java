package dev.octosts.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.exchange.ExchangeRequest.DownScoping;
import io.helidon.common.uri.UriQuery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code scope}, {@code scopes} and {@code identity} of an exchange request, read as grpc-gateway reads
 * them: from the query string, each overridden by a form or JSON body's field when the request has one; and
 * the optional down-scoping, {@code permissions} and {@code repositories}, read the same way (see
 * {@link DownScopingParameters}). Anything that cannot be read is an {@link IllegalArgumentException} whose
 * message is fixed text: nothing the caller sent is echoed.
 */
record ExchangeParameters(String scope, List<String> scopes, String identity, DownScoping downScoping) {
    static final String FORM = "application/x-www-form-urlencoded";
    static final String JSON = "application/json";

    ExchangeParameters {
        scopes = List.copyOf(scopes);
    }

    /** Parameters that narrow nothing. */
    ExchangeParameters(String scope, List<String> scopes, String identity) {
        this(scope, scopes, identity, DownScoping.NONE);
    }

    static ExchangeParameters fromQuery(UriQuery query) {
        return new ExchangeParameters(query.first("scope").orElse(""), query.all("scopes", List::of),
                query.first("identity").orElse(""), DownScopingParameters.fromText(
                        query.all("permissions", List::of), query.all("repositories", List::of), DownScoping.NONE));
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

    /** The form's fields over the query's, as grpc-gateway reads them (see {@link FormBody}). */
    private ExchangeParameters overriddenByForm(String body) {
        String newScope = scope;
        String newIdentity = identity;
        List<String> formScopes = new ArrayList<>();
        List<String> formPermissions = new ArrayList<>();
        List<String> formRepositories = new ArrayList<>();
        for (Map.Entry<String, String> pair : FormBody.pairs(body)) {
            String name = pair.getKey();
            String value = pair.getValue();
            switch (name) {
                case "scope" -> newScope = value;
                case "scopes" -> formScopes.add(value);
                case "identity" -> newIdentity = value;
                case "permissions" -> formPermissions.add(value);
                case "repositories" -> formRepositories.add(value);
                default -> {
                    // grpc-gateway ignores fields it does not know
                }
            }
        }
        return new ExchangeParameters(newScope, formScopes.isEmpty() ? scopes : formScopes, newIdentity,
                DownScopingParameters.fromText(formPermissions, formRepositories, downScoping));
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
        return new ExchangeParameters(newScope, newScopes, newIdentity,
                DownScopingParameters.fromJson(node, downScoping));
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
}
