package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.octosts.ledger.LedgerVerifierFixture.Exchange;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Export for a SIEM: oldest first across pages and chains, bounded by since/until, in the published schema. */
class LedgerExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = LedgerVerifierFixture.T0;
    private static final UUID A = LedgerVerifierFixture.A;
    private static final UUID B = LedgerVerifierFixture.B;

    @Test
    void exportsOldestFirstAcrossChainsAndPagesWithinTheRange() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        ledger.newChain(B);
        ledger.newChain(A);
        // A at even seconds, B at odd seconds, then one record in each at the very same time.
        List<Exchange> even = new ArrayList<>();
        List<Exchange> odd = new ArrayList<>();
        for (int i = 0; i < 1300; i++) {
            (i % 2 == 0 ? even : odd).add(exchange(T0.plusSeconds(i), "t" + i));
        }
        ledger.append(B, odd);
        ledger.append(A, even);
        ledger.append(B, exchange(T0.plusSeconds(5000), "same-time-b"));
        ledger.append(A, exchange(T0.plusSeconds(5000), "same-time-a"));
        LedgerExport export = new LedgerExport(ledger.runtime());

        List<String> all = new ArrayList<>();
        long count = export.export(T0, null, row -> all.add(row.get("request_id").textValue()));
        List<String> expected = new ArrayList<>(Stream.iterate(0, i -> i + 1).limit(1300).map(i -> "t" + i).toList());
        expected.addAll(List.of("same-time-a", "same-time-b"));
        assertThat(all).containsExactlyElementsOf(expected);
        assertThat(count).isEqualTo(1302);

        List<String> range = new ArrayList<>();
        export.export(T0.plusSeconds(100), T0.plusSeconds(1100), row -> range.add(row.get("request_id").textValue()));
        assertThat(range).containsExactlyElementsOf(expected.subList(100, 1100));
    }

    @Test
    void exportedRowsFollowThePublishedSchema() throws IOException {
        JsonNode schema = JSON.readTree(Path.of("db/ledger-record.schema.json").toFile());
        assertThat(schema.get("$schema").textValue()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(schema.get("$id").textValue()).endsWith("/v1");
        LedgerVerifierFixture ledger = LedgerVerifierTest.twoChains();
        List<JsonNode> rows = new ArrayList<>();

        new LedgerExport(ledger.runtime()).export(T0, null, rows::add);

        // Allowed (actor, policy, issued), denied (actor only) and error (nothing verified) records.
        assertThat(rows).hasSize(8);
        assertThat(rows).extracting(row -> row.get("decision").textValue()).contains("allow", "deny", "error");
        for (JsonNode row : rows) {
            assertThat(SchemaCheck.errors(schema, row, "$")).as(row.toString()).isEmpty();
            // Every key but the optional ones: revocation (revocation records only) and grant (absent from these rows).
            Set<String> keys = fieldNames(schema.get("properties"));
            keys.remove("revocation");
            keys.remove("grant");
            assertThat(fieldNames(row)).isEqualTo(keys);
        }
    }

    static Stream<Arguments> rowsOutsideTheSchema() {
        return Stream.of(
                Arguments.of("a key missing", (UnaryOperator<ObjectNode>) row -> row.without("span_id"), "span_id"),
                Arguments.of("an unknown key", (UnaryOperator<ObjectNode>) row -> row.put("extra", 1), "extra"),
                Arguments.of("grpc_code as text", (UnaryOperator<ObjectNode>) row -> row.set("grpc_code", new TextNode("7")), "grpc_code"),
                Arguments.of("an unknown decision", (UnaryOperator<ObjectNode>) row -> row.put("decision", "maybe"), "decision"),
                Arguments.of("version 2", (UnaryOperator<ObjectNode>) row -> row.set("v", new IntNode(2)), "v"),
                Arguments.of("an upper-case hash", (UnaryOperator<ObjectNode>) row -> row.put("hash", "A".repeat(64)), "hash"),
                Arguments.of("a claim that is not text", (UnaryOperator<ObjectNode>) row -> {
                    ((ObjectNode) row.get("actor").get("claims")).put("run_id", 5);
                    return row;
                }, "run_id"));
    }

    /** The schema check above can fail: each of these breaks it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rowsOutsideTheSchema")
    void theSchemaRejectsRowsOfAnotherShape(String name, UnaryOperator<ObjectNode> change, String where) throws IOException {
        JsonNode schema = JSON.readTree(Path.of("db/ledger-record.schema.json").toFile());
        ObjectNode row = LedgerVerifierFixture.document(A, 1, exchange(T0, "r"));
        row.put("prev_hash", ChainHead.EMPTY_HASH).put("hash", "b".repeat(64));
        assertThat(SchemaCheck.errors(schema, row, "$")).isEmpty();

        assertThat(SchemaCheck.errors(schema, change.apply(row), "$")).isNotEmpty()
                .anySatisfy(error -> assertThat(error).contains(where));
    }

    private static Exchange exchange(Instant time, String requestId) {
        return Exchange.allowed(time, requestId, "acme/app", "repo:acme/app:ref:refs/heads/main",
                LedgerQuery.tokenSha256("ghs_" + requestId));
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * Enough of JSON Schema 2020-12 for the ledger schema: type, const, enum, pattern, minimum, maximum,
     * required, properties, additionalProperties, items. An unknown keyword fails the check rather than
     * being skipped.
     */
    static final class SchemaCheck {
        private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "title", "description", "format");

        static List<String> errors(JsonNode schema, JsonNode value, String path) {
            List<String> errors = new ArrayList<>();
            for (Map.Entry<String, JsonNode> keyword : schema.properties()) {
                JsonNode rule = keyword.getValue();
                switch (keyword.getKey()) {
                    case "type" -> {
                        List<String> types = new ArrayList<>();
                        (rule.isArray() ? rule : JSON.createArrayNode().add(rule)).forEach(t -> types.add(t.textValue()));
                        if (types.stream().noneMatch(type -> hasType(value, type))) {
                            errors.add(path + " is not of type " + types);
                        }
                    }
                    case "const" -> {
                        if (!rule.equals(value)) {
                            errors.add(path + " is not " + rule);
                        }
                    }
                    case "enum" -> {
                        boolean listed = false;
                        for (JsonNode allowed : rule) {
                            listed |= allowed.equals(value);
                        }
                        if (!listed) {
                            errors.add(path + " is not one of " + rule);
                        }
                    }
                    case "pattern" -> {
                        if (value.isTextual() && !Pattern.compile(rule.textValue()).matcher(value.textValue()).find()) {
                            errors.add(path + " does not match " + rule.textValue());
                        }
                    }
                    case "minimum" -> {
                        if (value.isNumber() && value.decimalValue().compareTo(rule.decimalValue()) < 0) {
                            errors.add(path + " is below " + rule);
                        }
                    }
                    case "maximum" -> {
                        if (value.isNumber() && value.decimalValue().compareTo(rule.decimalValue()) > 0) {
                            errors.add(path + " is above " + rule);
                        }
                    }
                    case "required" -> {
                        if (value.isObject()) {
                            rule.forEach(key -> {
                                if (!value.has(key.textValue())) {
                                    errors.add(path + "." + key.textValue() + " is missing");
                                }
                            });
                        }
                    }
                    case "properties" -> {
                        if (value.isObject()) {
                            rule.properties().forEach(property -> {
                                if (value.has(property.getKey())) {
                                    errors.addAll(errors(property.getValue(), value.get(property.getKey()),
                                            path + "." + property.getKey()));
                                }
                            });
                        }
                    }
                    case "additionalProperties" -> {
                        if (value.isObject()) {
                            value.fieldNames().forEachRemaining(name -> {
                                if (schema.path("properties").has(name)) {
                                    return;
                                }
                                if (rule.isBoolean()) {
                                    if (!rule.booleanValue()) {
                                        errors.add(path + "." + name + " is not allowed");
                                    }
                                } else {
                                    errors.addAll(errors(rule, value.get(name), path + "." + name));
                                }
                            });
                        }
                    }
                    case "items" -> {
                        if (value.isArray()) {
                            for (int i = 0; i < value.size(); i++) {
                                errors.addAll(errors(rule, value.get(i), path + "[" + i + "]"));
                            }
                        }
                    }
                    default -> {
                        if (!ANNOTATIONS.contains(keyword.getKey())) {
                            throw new IllegalArgumentException("the schema check does not know " + keyword.getKey());
                        }
                    }
                }
            }
            return errors;
        }

        private static boolean hasType(JsonNode value, String type) {
            return switch (type) {
                case "object" -> value.isObject();
                case "array" -> value.isArray();
                case "string" -> value.isTextual();
                case "integer" -> value.isIntegralNumber();
                case "number" -> value.isNumber();
                case "boolean" -> value.isBoolean();
                case "null" -> value.isNull();
                default -> throw new IllegalArgumentException("unknown JSON Schema type " + type);
            };
        }
    }
}
