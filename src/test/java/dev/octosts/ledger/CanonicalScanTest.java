package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.testing.FuzzArbitraries;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The streaming check of a record's text answers as parsing it and writing it canonically would: canonical
 * texts pass with their members, and every way a text can differ from its canonical form is caught.
 */
class CanonicalScanTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NAMES = List.of("decision", "reason", "subject", "claims", "a", "b", "",
            "\u0000", "\ud800", "\ud83d\ude00", "\uffff", "A", "é");

    @Property
    void aCanonicalTextPassesWithItsMembers(@ForAll("tree") JsonNode tree) throws Exception {
        ObjectNode document = JsonNodeFactory.instance.objectNode().put("v", 1).set("tree", tree);
        String canonical;
        try {
            canonical = CanonicalJson.of(document);
        } catch (IllegalArgumentException fraction) {
            return; // never written to the ledger
        }
        CanonicalScan.Result scan = CanonicalScan.of(canonical);
        assertThat(scan.canonical()).as(canonical).isTrue();
        assertThat(scan.object()).isTrue();
        assertThat(scan.member("v").text()).isEqualTo("1");
        Object expected = tree.isTextual() ? tree.textValue() : tree.isNull() ? null : CanonicalJson.of(tree);
        assertThat(scan.member("tree").textOrNull()).isEqualTo(expected);
    }

    @Property
    void anyOtherTextOfTheSameJsonIsNotCanonical(@ForAll("tree") JsonNode tree) throws Exception {
        ObjectNode document = JsonNodeFactory.instance.objectNode().put("v", 1).set("tree", tree);
        String canonical;
        try {
            canonical = CanonicalJson.of(document);
        } catch (IllegalArgumentException fraction) {
            return;
        }
        for (String other : List.of(document.toPrettyString(), JSON.writeValueAsString(document), canonical + " ")) {
            assertThat(CanonicalScan.of(other).canonical()).as(other).isEqualTo(other.equals(canonical));
        }
    }

    @Provide
    Arbitrary<JsonNode> tree() {
        return FuzzArbitraries.json(3, NAMES);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            canonical object          | {"a":1,"b":[true,false,null],"c":{"d":"x"}} | true  | true
            negative zero             | {"a":-0}                                     | true  | false
            fraction                  | {"a":1.0}                                    | true  | false
            exponent                  | {"a":1e2}                                    | true  | false
            two documents             | {"a":1}{"a":1}                               | true  | false
            leading space             | ` {"a":1}`                                   | true  | false
            space after colon         | {"a": 1}                                     | true  | false
            members out of order      | {"b":1,"a":2}                                | true  | false
            a member twice            | {"a":1,"a":1}                                | true  | false
            upper-case escape         | {"a":"\\u001F"}                              | true  | false
            needless escape           | {"a":"\\u0041"}                              | true  | false
            escaped slash             | {"a":"\\/"}                                  | true  | false
            lower-case control escape | {"a":"\\u001f"}                              | true  | true
            big integer               | {"a":123456789012345678901234567890}         | true  | true
            trailing comma            | {"a":1,}                                     | false | false
            unfinished                | {"a":                                        | false | false
            not JSON                  | {not json                                    | false | false
            """)
    void decidesLikeParsingAndWritingCanonically(String name, String text, boolean json, boolean canonical) {
        CanonicalScan.Result scan = CanonicalScan.of(text);
        assertThat(scan.json()).as("JSON").isEqualTo(json);
        assertThat(scan.canonical()).as("canonical").isEqualTo(canonical);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            string at the top          | actor.sub | {"actor":{"iss":"i","sub":"s"}}      | s
            null member                | issued    | {"issued":null}                      |
            object member as its text  | actor     | {"actor":{"iss":"i"}}                | {"iss":"i"}
            number as its text         | seq       | {"seq":42}                           | 42
            not kept below two levels  | a.b.c     | {"a":{"b":{"c":"x"}}}                |
            not kept from an array     | a.b       | {"a":[{"b":"x"}]}                    |
            """)
    void keepsMembersOneAndTwoLevelsDeep(String name, String path, String text, String expected) {
        CanonicalScan.Result scan = CanonicalScan.of(text);
        assertThat(scan.canonical()).isTrue();
        CanonicalScan.Value value = scan.member(path);
        assertThat(value == null ? null : value.textOrNull()).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void arrayAtTheTopIsNotAnObject() {
        assertThat(CanonicalScan.of("[1,2]")).extracting(CanonicalScan.Result::canonical, CanonicalScan.Result::object,
                CanonicalScan.Result::members).containsExactly(true, false, Map.of());
    }
}
