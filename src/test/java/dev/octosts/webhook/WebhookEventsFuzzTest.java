package dev.octosts.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.testing.FuzzArbitraries;
import dev.octosts.testing.FuzzArbitraries.Edit;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Fuzzing the reading of GitHub deliveries: any event name and any bytes, JSON trees built from the fields the
 * events read, and edited real payloads. A payload is read or refused with {@link WebhookEvents.InvalidPayload},
 * whose message is fixed text that echoes nothing of the payload; no other exception.
 */
class WebhookEventsFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> EVENTS = List.of("push", "pull_request", "check_suite", "check_run", "ping",
            "installation", "issues", "Push", "", "push ", "unknown");
    private static final List<String> FIELDS = List.of("repository", "owner", "login", "name", "default_branch",
            "installation", "id", "before", "after", "commits", "added", "modified", "removed", "action", "number",
            "pull_request", "head", "sha", "check_suite", "check_run", "pull_requests", "sender", "head_branch",
            "head_sha");
    private static final String PUSH = """
            {"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"a1b2c3",
             "repository":{"name":"repo","owner":{"login":"org"},"default_branch":"main"},
             "installation":{"id":42},"sender":{"login":"someone"},
             "commits":[{"added":[".github/chainguard/ci.sts.yaml"],"modified":["README.md"],"removed":[]}]}""";
    private static final String PULL_REQUEST = """
            {"action":"opened","number":7,"pull_request":{"head":{"sha":"a1b2c3"}},
             "repository":{"name":"repo","owner":{"login":"org"},"default_branch":"main"},"installation":{"id":42}}""";
    private static final String CHECK_SUITE = """
            {"action":"requested","check_suite":{"head_branch":"main","head_sha":"a1b2c3","before":"000",
             "pull_requests":[{"number":7},{"number":8}]},"sender":{"login":"someone"},
             "repository":{"name":"repo","owner":{"login":"org"}},"installation":{"id":42}}""";
    private static final String CHECK_RUN = CHECK_SUITE.replace("\"check_suite\":{", "\"check_run\":{\"check_suite\":{")
            .replace("\"pull_requests\":[{\"number\":7},{\"number\":8}]}", "\"pull_requests\":[{\"number\":7},{\"number\":8}]}}");

    /** One generated delivery: any bytes, a JSON tree around the events' fields, or an edited real payload. */
    private record Delivery(String event, byte[] payload) {
    }

    @Property
    void anyDeliveryIsReadOrRefusedWithAFixedMessage(@ForAll("delivery") Delivery delivery) {
        readOrRefuse(delivery.event(), delivery.payload());
    }

    @Provide
    Arbitrary<Delivery> delivery() {
        return Arbitraries.oneOf(
                Combinators.combine(eventName(), bytes()).as(Delivery::new),
                Combinators.combine(eventName(), payloadTree()).as((event, tree) -> new Delivery(event, json(tree))),
                Combinators.combine(realPayload(), jsonEdits()).as((real, edits) -> new Delivery(real.get1(),
                        FuzzArbitraries.apply(real.get2(), edits).getBytes(StandardCharsets.UTF_8))));
    }

    private static byte[] json(JsonNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void readOrRefuse(String event, byte[] payload) {
        try {
            WebhookEvent parsed = WebhookEvents.parse(event, payload);
            assertThat(parsed).isNotNull();
            if (parsed instanceof WebhookEvent.Handled handled) {
                assertThat(handled.repository()).isNotNull();
            }
        } catch (WebhookEvents.InvalidPayload refused) {
            assertThat(refused.getMessage()).isNotBlank().hasSizeLessThan(60)
                    .matches("[a-z_ A-Z-]+");
        }
    }

    private Arbitrary<String> eventName() {
        return Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of(EVENTS)), Tuple.of(1, FuzzArbitraries.text(20)));
    }

    private Arbitrary<byte[]> bytes() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
                FuzzArbitraries.text(200).map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.of("", "null", "[]", "{}", "\"x\"", "1", "{\"a\":1}{", "{\"repository\":[]}", "\ufeff{}",
                        "[".repeat(3000), "{\"a\":".repeat(2000)).map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    private Arbitrary<JsonNode> payloadTree() {
        return FuzzArbitraries.json(4, FIELDS).map(node -> {
            if (node instanceof ObjectNode object) {
                return object;
            }
            return JSON.createObjectNode().set("repository", node);
        });
    }

    private Arbitrary<Tuple.Tuple2<String, String>> realPayload() {
        return Arbitraries.of(Tuple.of("push", PUSH), Tuple.of("pull_request", PULL_REQUEST),
                Tuple.of("check_suite", CHECK_SUITE), Tuple.of("check_run", CHECK_RUN));
    }

    private Arbitrary<List<Edit>> jsonEdits() {
        return FuzzArbitraries.edits("{}[]:,\"\\0123456789.-+eEtrufalsn \n", 4);
    }

}
