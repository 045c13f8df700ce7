package dev.octosts.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A JSON Schema (draft 2020-12) validator for the keywords the schemas under {@code schemas/} use, and no more:
 * a schema using any other keyword is refused, so a schema cannot silently rely on something unchecked.
 */
final class JsonSchemaSubset {
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$comment", "title", "description", "$defs");
    private static final Set<String> ASSERTIONS = Set.of("type", "properties", "additionalProperties", "required", "enum",
            "oneOf", "anyOf", "allOf", "not", "items", "minItems", "maxItems", "minLength", "maxLength", "propertyNames",
            "$ref");

    private final JsonNode root;

    JsonSchemaSubset(JsonNode root) {
        this.root = root;
        checkKeywords(root, "#");
    }

    /** The violations of {@code instance}, each as {@code path: keyword}; empty when it is valid. */
    List<String> validate(JsonNode instance) {
        List<String> errors = new ArrayList<>();
        validate(root, instance, "$", errors);
        return errors;
    }

    private static void checkKeywords(JsonNode schema, String where) {
        if (schema.isBoolean()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String keyword = field.getKey();
            if (!ANNOTATIONS.contains(keyword) && !ASSERTIONS.contains(keyword)) {
                throw new IllegalArgumentException(where + ": keyword " + keyword + " is not supported by this validator");
            }
            JsonNode value = field.getValue();
            switch (keyword) {
                case "properties", "$defs" -> value.fields().forEachRemaining(e -> checkKeywords(e.getValue(), where + "/" + keyword + "/" + e.getKey()));
                case "oneOf", "anyOf", "allOf" -> value.forEach(s -> checkKeywords(s, where + "/" + keyword));
                case "not", "items", "additionalProperties", "propertyNames" -> checkKeywords(value, where + "/" + keyword);
                default -> {
                }
            }
        }
    }

    private void validate(JsonNode schema, JsonNode instance, String path, List<String> errors) {
        if (schema.isBoolean()) {
            if (!schema.asBoolean()) {
                errors.add(path + ": false schema");
            }
            return;
        }
        if (schema.has("$ref")) {
            validate(resolve(schema.get("$ref").asText()), instance, path, errors);
        }
        if (schema.has("type") && !hasType(instance, schema.get("type").asText())) {
            errors.add(path + ": type " + schema.get("type").asText());
            return;
        }
        if (schema.has("enum") && !contains(schema.get("enum"), instance)) {
            errors.add(path + ": enum");
        }
        if (instance.isTextual()) {
            int length = instance.asText().codePointCount(0, instance.asText().length());
            if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
                errors.add(path + ": minLength");
            }
            if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
                errors.add(path + ": maxLength");
            }
        }
        if (instance.isArray()) {
            if (schema.has("minItems") && instance.size() < schema.get("minItems").asInt()) {
                errors.add(path + ": minItems");
            }
            if (schema.has("maxItems") && instance.size() > schema.get("maxItems").asInt()) {
                errors.add(path + ": maxItems");
            }
            if (schema.has("items")) {
                for (int i = 0; i < instance.size(); i++) {
                    validate(schema.get("items"), instance.get(i), path + "[" + i + "]", errors);
                }
            }
        }
        if (instance.isObject()) {
            validateObject(schema, instance, path, errors);
        }
        for (JsonNode sub : schema.path("allOf")) {
            validate(sub, instance, path, errors);
        }
        if (schema.has("anyOf") && count(schema.get("anyOf"), instance, path) == 0) {
            errors.add(path + ": anyOf");
        }
        if (schema.has("oneOf") && count(schema.get("oneOf"), instance, path) != 1) {
            errors.add(path + ": oneOf");
        }
        if (schema.has("not") && valid(schema.get("not"), instance, path)) {
            errors.add(path + ": not");
        }
    }

    private void validateObject(JsonNode schema, JsonNode instance, String path, List<String> errors) {
        for (JsonNode required : schema.path("required")) {
            if (!instance.has(required.asText())) {
                errors.add(path + ": required " + required.asText());
            }
        }
        JsonNode properties = schema.path("properties");
        for (Iterator<Map.Entry<String, JsonNode>> it = instance.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            String at = path + "." + name;
            if (schema.has("propertyNames")) {
                validate(schema.get("propertyNames"), com.fasterxml.jackson.databind.node.TextNode.valueOf(name), at, errors);
            }
            if (properties.has(name)) {
                validate(properties.get(name), field.getValue(), at, errors);
            } else if (schema.has("additionalProperties")) {
                validate(schema.get("additionalProperties"), field.getValue(), at, errors);
            }
        }
    }

    private boolean valid(JsonNode schema, JsonNode instance, String path) {
        List<String> errors = new ArrayList<>();
        validate(schema, instance, path, errors);
        return errors.isEmpty();
    }

    private int count(JsonNode schemas, JsonNode instance, String path) {
        int valid = 0;
        for (JsonNode schema : schemas) {
            if (valid(schema, instance, path)) {
                valid++;
            }
        }
        return valid;
    }

    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#/")) {
            throw new IllegalArgumentException("only local $ref is supported: " + ref);
        }
        JsonNode node = root;
        for (String segment : ref.substring(2).split("/")) {
            node = node.path(segment);
        }
        if (node.isMissingNode()) {
            throw new IllegalArgumentException("unresolved $ref " + ref);
        }
        return node;
    }

    private static boolean hasType(JsonNode instance, String type) {
        return switch (type) {
            case "object" -> instance.isObject();
            case "array" -> instance.isArray();
            case "string" -> instance.isTextual();
            case "boolean" -> instance.isBoolean();
            case "integer" -> instance.isIntegralNumber();
            case "number" -> instance.isNumber();
            case "null" -> instance.isNull();
            default -> throw new IllegalArgumentException("unknown type " + type);
        };
    }

    private static boolean contains(JsonNode values, JsonNode instance) {
        for (JsonNode value : values) {
            if (value.equals(instance)) {
                return true;
            }
        }
        return false;
    }
}
