package dev.octosts.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.exchange.ExchangeRequest.DownScoping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The caller's down-scoping of an exchange: {@code permissions} ({@code contents:read,issues:write} in a query
 * or form, a JSON object of name to level in a JSON body) and {@code repositories} (repeated or comma-separated
 * names; a JSON array). A request's body overrides its query field by field, as for the other parameters;
 * empty values are absent. Errors are fixed text: nothing the caller sent is echoed.
 */
final class DownScopingParameters {
    /** As many entries as a token may name repositories; GitHub's permission names number fewer. */
    static final int MAX_ENTRIES = 100;
    private static final Pattern PERMISSION_NAME = Pattern.compile("[a-z][a-z_]{0,63}");
    private static final Pattern LEVEL = Pattern.compile("[a-z]{1,16}");
    private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final String BAD_PERMISSIONS =
            "permissions must be name:level pairs separated by commas, e.g. contents:read,issues:write";
    private static final String BAD_REPOSITORIES = "repositories must be repository names without the owner";

    private DownScopingParameters() {
    }

    /** The query's or form's fields; each absent one stays as {@code fallback} has it. */
    static DownScoping fromText(List<String> permissions, List<String> repositories, DownScoping fallback) {
        List<String> permissionItems = items(permissions);
        List<String> repositoryItems = items(repositories);
        Map<String, String> narrowedPermissions = fallback.permissions();
        if (!permissionItems.isEmpty()) {
            narrowedPermissions = new LinkedHashMap<>();
            for (String item : permissionItems) {
                int colon = item.indexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException(BAD_PERMISSIONS);
                }
                put(narrowedPermissions, item.substring(0, colon), item.substring(colon + 1));
            }
        }
        return new DownScoping(narrowedPermissions,
                repositoryItems.isEmpty() ? fallback.repositories() : repositoryNames(repositoryItems));
    }

    /** The JSON body's fields; each absent (or null) one stays as {@code fallback} has it. */
    static DownScoping fromJson(JsonNode body, DownScoping fallback) {
        Map<String, String> permissions = fallback.permissions();
        JsonNode object = body.get("permissions");
        if (object != null && !object.isNull()) {
            if (!object.isObject() || object.isEmpty()) {
                throw new IllegalArgumentException("permissions must be a JSON object of permission name to level");
            }
            permissions = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> entry : object.properties()) {
                if (!entry.getValue().isTextual()) {
                    throw new IllegalArgumentException("permissions must be a JSON object of permission name to level");
                }
                put(permissions, entry.getKey(), entry.getValue().textValue());
            }
        }
        List<String> repositories = fallback.repositories();
        JsonNode array = body.get("repositories");
        if (array != null && !array.isNull()) {
            if (!array.isArray() || array.isEmpty()) {
                throw new IllegalArgumentException("repositories must be a list of strings");
            }
            List<String> names = new ArrayList<>();
            for (JsonNode element : array) {
                if (!element.isTextual()) {
                    throw new IllegalArgumentException("repositories must be a list of strings");
                }
                names.add(element.textValue());
            }
            repositories = repositoryNames(names);
        }
        return new DownScoping(permissions, repositories);
    }

    /** The comma-separated items of every value, without empty ones. */
    private static List<String> items(List<String> values) {
        List<String> items = new ArrayList<>();
        for (String value : values) {
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    items.add(item.strip());
                }
            }
        }
        return items;
    }

    private static void put(Map<String, String> permissions, String name, String level) {
        if (!PERMISSION_NAME.matcher(name).matches() || !LEVEL.matcher(level).matches()
                || permissions.put(name, level) != null || permissions.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException(BAD_PERMISSIONS);
        }
    }

    private static List<String> repositoryNames(List<String> names) {
        if (names.size() > MAX_ENTRIES || !names.stream().allMatch(name -> REPOSITORY.matcher(name).matches())) {
            throw new IllegalArgumentException(BAD_REPOSITORIES);
        }
        return List.copyOf(new java.util.LinkedHashSet<>(names));
    }
}
