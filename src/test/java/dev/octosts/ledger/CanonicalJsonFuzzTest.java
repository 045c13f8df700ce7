package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.testing.FuzzArbitraries;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing the canonical form the ledger hashes: any tree of any strings (NUL, lone surrogates, controls)
 * gives one text that parses back as JSON, is valid UTF-8, and canonicalises to itself; equal trees built in
 * any member order give equal bytes; a tree it cannot represent (a fraction, NaN) is a clear error.
 */
class CanonicalJsonFuzzTest {
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
    private static final List<String> NAMES = List.of("decision", "reason", "subject", "claims", "a", "b", "", "\u0000",
            "\ud800", "\udc00", "\ud83d\ude00", "\uffff", "A", "aa", "é", "\u007f");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * A tree, a seed to rebuild it in another member order, and one more string (as a member name and value):
     * one canonical text that parses back, survives UTF-8 and canonicalises to itself; the same bytes in any
     * member order; a fraction or NaN refused with a clear error.
     */
    @Property
    void anyTreeHasOneCanonicalTextThatParsesBackToItself(@ForAll("tree") JsonNode tree, @ForAll("anyString") String value,
                                                          @ForAll long seed) throws Exception {
        ObjectNode withValue = NODES.objectNode().put(value, value).set("tree", tree);
        JsonNode shuffled = shuffled(withValue, new Random(seed));
        String canonical;
        try {
            canonical = CanonicalJson.of(withValue);
        } catch (IllegalArgumentException refused) {
            assertThat(hasFraction(tree)).as("only a fractional number is refused: " + refused.getMessage()).isTrue();
            assertThat(refused.getMessage()).contains("integers only");
            assertThatThrownBy(() -> CanonicalJson.of(shuffled)).isInstanceOf(IllegalArgumentException.class);
            return;
        }
        assertThat(hasFraction(tree)).as("a fraction is never written").isFalse();
        assertThat(canonical.chars().filter(c -> c < 0x20).count()).as("no raw control characters").isZero();
        assertThat(new String(canonical.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                .as("no lone surrogate: the text survives UTF-8").isEqualTo(canonical);
        JsonNode parsed = STRICT.readTree(canonical);
        assertThat(CanonicalJson.of(parsed)).as("idempotent").isEqualTo(canonical);
        assertThat(strings(parsed)).as("every string, lone surrogates included, round-trips").isEqualTo(strings(withValue));
        assertThat(parsed.path(value).textValue()).isEqualTo(value);
        assertThat(CanonicalJson.of(shuffled)).as("equal trees, equal bytes").isEqualTo(canonical);
    }

    @Provide
    Arbitrary<JsonNode> tree() {
        return FuzzArbitraries.json(3, NAMES);
    }

    @Provide
    Arbitrary<String> anyString() {
        return Arbitraries.oneOf(FuzzArbitraries.text(64), Arbitraries.strings().withCharRange('\ud7f0', '\ue010')
                .ofMaxLength(16));
    }

    private static boolean hasFraction(JsonNode node) {
        if (node.isNumber()) {
            return !node.canConvertToExactIntegral();
        }
        for (JsonNode child : node) {
            if (hasFraction(child)) {
                return true;
            }
        }
        return false;
    }

    /** Every string in the tree, member names included, in canonical (sorted) order. */
    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        collect(node, out);
        Collections.sort(out);
        return out;
    }

    private static void collect(JsonNode node, List<String> out) {
        if (node.isTextual()) {
            out.add(node.textValue());
        }
        if (node.isObject()) {
            node.properties().forEach(member -> {
                out.add(member.getKey());
                collect(member.getValue(), out);
            });
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, out));
        }
    }

    private static JsonNode shuffled(JsonNode node, Random random) {
        if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
            Collections.shuffle(members, random);
            ObjectNode copy = NODES.objectNode();
            members.forEach(member -> copy.set(member.getKey(), shuffled(member.getValue(), random)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = NODES.arrayNode();
            node.forEach(child -> copy.add(shuffled(child, random)));
            return copy;
        }
        return node;
    }
}
