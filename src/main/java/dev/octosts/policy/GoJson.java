package dev.octosts.policy;

import dev.octosts.gocompat.GoText;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The second stage of sigs.k8s.io/yaml {@code UnmarshalStrict}: Go's {@code encoding/json} decoding the
 * converted tree into a struct with {@code DisallowUnknownFields}.
 *
 * <p>Rules reproduced: object keys are visited in byte order (Go's {@code json.Marshal} sorts map keys
 * before the decoder sees them), keys match field names case-insensitively, an unknown key is an error,
 * {@code null} leaves a string unchanged and resets a map or a list, a second object for the same map field
 * merges into it, and scalars bound for a string are stringified the way sigs.k8s.io/yaml does.
 */
final class GoJson {
    static final String PREFIX = "error unmarshaling JSON: ";

    /** Byte order of the UTF-8 encodings, which is code point order. */
    private static final Comparator<String> GO_KEY_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    private GoJson() {
    }

    /** The document as a JSON object to decode into the struct {@code goType}; an empty document is {@code {}}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object document, String goType) throws PolicyException {
        if (document == null) {
            return Map.of();
        }
        if (document instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new PolicyException("wrong_type",
                PREFIX + "json: cannot unmarshal " + jsonType(document) + " into Go value of type " + goType);
    }

    /** The entries of an object in the order Go's decoder visits them. */
    static List<Map.Entry<String, Object>> inGoOrder(Map<String, Object> object) {
        List<Map.Entry<String, Object>> entries = new ArrayList<>(object.entrySet());
        entries.sort(Map.Entry.comparingByKey(GO_KEY_ORDER));
        return entries;
    }

    /** The struct field {@code key} decodes into: an exact match, else a case-insensitive one, else an error. */
    static String field(String key, List<String> fieldNames) throws PolicyException {
        if (fieldNames.contains(key)) {
            return key;
        }
        String folded = fold(key);
        for (String name : fieldNames) {
            if (fold(name).equals(folded)) {
                return name;
            }
        }
        throw new PolicyException("unknown_field", PREFIX + "json: unknown field " + GoText.quote(key));
    }

    /** encoding/json's key folding (Go 1.21+ {@code foldName}). */
    static String fold(String key) {
        StringBuilder out = new StringBuilder(key.length());
        key.codePoints().forEach(cp -> out.appendCodePoint(cp < 0x80
                ? (cp >= 'a' && cp <= 'z' ? cp - ('a' - 'A') : cp)
                : Character.toUpperCase(Character.toLowerCase(cp))));
        return out.toString();
    }

    /** A value for a string field; null when the value is null (which leaves the field as it was). */
    static String string(Object value, String fieldPath, String goType) throws PolicyException {
        if (value == null) {
            return null;
        }
        String s = stringify(value);
        if (s == null) {
            throw typeError(value, fieldPath, goType);
        }
        return s;
    }

    /** A value for a {@code []string} field: null resets it, a list replaces it, a null element is "". */
    static List<String> stringList(Object value, String fieldPath) throws PolicyException {
        if (value == null) {
            return null;
        }
        if (!(value instanceof List<?> list)) {
            throw typeError(value, fieldPath, "[]string");
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object element : list) {
            String s = string(element, fieldPath, "string");
            out.add(s == null ? "" : s);
        }
        return out;
    }

    /** A value for a {@code map[string]string} field: null resets it, an object merges into it. */
    static Map<String, String> mergeStringMap(Map<String, String> into, Object value, String fieldPath)
            throws PolicyException {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw typeError(value, fieldPath, "map[string]string");
        }
        Map<String, String> out = into == null ? new LinkedHashMap<>() : into;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String s = string(entry.getValue(), fieldPath, "string");
            out.put((String) entry.getKey(), s == null ? "" : s);
        }
        return out;
    }

    /** sigs.k8s.io/yaml's stringification of a scalar bound for a string; null when it has none. */
    private static String stringify(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Boolean || value instanceof Long || value instanceof BigInteger) {
            return value.toString();
        }
        if (value instanceof Double d) {
            return GoText.formatFloat32(d);
        }
        return null;
    }

    static PolicyException typeError(Object value, String fieldPath, String goType) {
        return new PolicyException("wrong_type", PREFIX + "json: cannot unmarshal " + jsonType(value)
                + " into Go struct field " + fieldPath + " of type " + goType);
    }

    private static String jsonType(Object value) {
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof Boolean) {
            return "bool";
        }
        if (value instanceof List<?>) {
            return "array";
        }
        return value instanceof Map<?, ?> ? "object" : "number";
    }
}
