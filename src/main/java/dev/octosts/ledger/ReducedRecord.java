package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.octosts.ledger.LedgerText.hashed;

/**
 * The document as stored when the database refused it as written: the same keys and shapes, with
 * the decision, gRPC code, time, request id, client address, trace, issued token's hash and
 * GitHub's answer kept where they are plain text; every other string (and every map key that is
 * not plain) replaced by its {@linkplain LedgerText#hashed SHA-256}. The reason becomes
 * {@value #REDUCED_REASON}; the detail names the original reason and the refusal. Its strings are
 * all short ASCII, so the database has nothing left to refuse but the record's existence.
 */
public final class ReducedRecord {
    /** The reason of a record stored reduced because the database refused it as written. */
    public static final String REDUCED_REASON = "record_reduced";

    /** Text a reduced record keeps where the record's own code or GitHub wrote it. */
    private static final Pattern PLAIN = Pattern.compile("[0-9A-Za-z._:+-]{1,100}");
    /** Fields of a reduced record kept as they are, and (with {@code *} for any key or item) kept when plain. */
    private static final Set<String> REDUCED_KEPT = Set.of("/v", "/chain_id", "/seq", "/time", "/decision", "/grpc_code",
            "/issued/app_id", "/issued/installation_id", "/issuer_allowlist/allowed", "/revocation/grant_seq");
    private static final Set<String> REDUCED_KEPT_WHEN_PLAIN = Set.of("/request_id", "/remote_address", "/trace_id",
            "/span_id", "/policy/blob_sha", "/policy/sha256", "/grant/policies/*/blob_sha", "/grant/policies/*/sha256",
            "/issuer_allowlist/mode", "/issued/repositories/*",
            "/issued/permissions/*", "/issued/expires_at", "/issued/token_sha256", "/revocation/token_sha256",
            "/revocation/grant_chain_id", "/revocation/expires_at");
    /** Objects of the document's own shape, whose keys are the document's; other objects' keys are text. */
    private static final Set<String> FIXED_SHAPE = Set.of("", "/actor", "/policy", "/policy/parsed", "/issued",
            "/issuer_allowlist", "/revocation", "/grant", "/grant/policies/*");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ReducedRecord() {
    }

    /** The reduced form of {@code document}; {@code refusal} says how the database refused it, e.g. {@code SQLState 54000}. */
    static ObjectNode reduced(ObjectNode document, String refusal) {
        ObjectNode reduced = (ObjectNode) reduce("", document);
        String reason = document.path("reason").asText("");
        reduced.put("reason", REDUCED_REASON);
        reduced.put("detail", "the database refused the record as written (" + refusal + "); its reason was "
                + (PLAIN.matcher(reason).matches() ? reason : hashed(reason))
                + "; every other text from the request or the token is kept as its SHA-256");
        return reduced;
    }

    private static JsonNode reduce(String path, JsonNode node) {
        if (REDUCED_KEPT.contains(path)) {
            return node;
        }
        if (node.isTextual()) {
            String text = node.textValue();
            return REDUCED_KEPT_WHEN_PLAIN.contains(path) && PLAIN.matcher(text).matches() ? node : NODES.textNode(hashed(text));
        }
        if (node.isArray()) {
            ArrayNode array = NODES.arrayNode(node.size());
            node.forEach(item -> array.add(reduce(path + "/*", item)));
            return array;
        }
        if (node.isObject()) {
            ObjectNode object = NODES.objectNode();
            boolean fixedShape = FIXED_SHAPE.contains(path);
            boolean plainKeys = REDUCED_KEPT_WHEN_PLAIN.contains(path + "/*");
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                String key = member.getKey();
                String kept = fixedShape || (plainKeys && PLAIN.matcher(key).matches()) ? key : hashed(key);
                object.set(kept, reduce(fixedShape ? path + "/" + key : path + "/*", member.getValue()));
            }
            return object;
        }
        return node;
    }
}
