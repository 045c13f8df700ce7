package dev.octosts.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.provider.Arguments;

/** Loads the Octo STS conformance vectors from the test classpath. */
final class Conformance {
    static final ObjectMapper JSON = new ObjectMapper();

    private Conformance() {
    }

    static JsonNode load(String file) {
        try (InputStream in = Conformance.class.getResourceAsStream("/conformance/octo-sts/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + file);
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** (id, row) arguments for the rows of an array that satisfy {@code filter}. */
    static Stream<Arguments> rows(JsonNode array, Predicate<JsonNode> filter) {
        return StreamSupport.stream(array.spliterator(), false)
                .filter(filter)
                .map(row -> Arguments.of(row.path("id").asText(row.path("name").asText()), row));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> claims(JsonNode tokenClaims) {
        return JSON.convertValue(tokenClaims, Map.class);
    }

    /** A JSON string field, or null when it is absent or null. */
    static String text(JsonNode row, String field) {
        JsonNode node = row.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }
}
