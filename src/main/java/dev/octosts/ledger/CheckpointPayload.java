package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/** What a checkpoint signature covers: {@code {"chain_id","seq","hash","signed_at"}} as canonical JSON. */
record CheckpointPayload(UUID chainId, long seq, String hash, Instant signedAt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    String json() {
        ObjectNode node = JSON.createObjectNode();
        node.put("chain_id", chainId.toString());
        node.put("seq", seq);
        node.put("hash", hash);
        node.put("signed_at", signedAt.toString());
        return CanonicalJson.of(node);
    }

    /** @throws IllegalArgumentException when the text is not such a payload */
    static CheckpointPayload parse(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            JsonNode seq = node.path("seq");
            if (!seq.canConvertToExactIntegral() || !node.path("chain_id").isTextual()
                    || !node.path("hash").isTextual() || !node.path("signed_at").isTextual()) {
                throw new IllegalArgumentException("the signed payload lacks chain_id, seq, hash or signed_at");
            }
            return new CheckpointPayload(UUID.fromString(node.get("chain_id").textValue()), seq.longValue(),
                    node.get("hash").textValue(), Instant.parse(node.get("signed_at").textValue()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("the signed payload is not a checkpoint (" + e.getClass().getSimpleName() + ")");
        }
    }
}
