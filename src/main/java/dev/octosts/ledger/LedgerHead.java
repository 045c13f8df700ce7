package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * The head of every chain of the ledger at one moment, as an anchor signs it:
 * {@code {"ledger_head":{"chains":[{"chain_id","seq","hash"}…],"signed_at"}}} as canonical JSON, chains
 * sorted by the text of their id. The outer name keeps a head from ever parsing as a checkpoint, which
 * the same key signs.
 */
public record LedgerHead(Instant signedAt, List<ChainHead> chains) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public LedgerHead {
        // By the id's text, as PostgreSQL orders uuids; UUID.compareTo compares signed halves.
        chains = chains.stream().sorted(Comparator.comparing(chain -> chain.chainId().toString())).toList();
    }

    String json() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode head = root.putObject("ledger_head");
        ArrayNode list = head.putArray("chains");
        for (ChainHead chain : chains) {
            list.addObject().put("chain_id", chain.chainId().toString()).put("seq", chain.seq()).put("hash", chain.hash());
        }
        head.put("signed_at", signedAt.toString());
        return CanonicalJson.of(root);
    }

    /** @throws IllegalArgumentException when the text is not a ledger head */
    static LedgerHead parse(String json) {
        try {
            JsonNode head = JSON.readTree(json).path("ledger_head");
            if (!head.path("chains").isArray() || !head.path("signed_at").isTextual()) {
                throw new IllegalArgumentException("the signed payload is not a ledger head (no chains or signed_at)");
            }
            List<ChainHead> chains = new ArrayList<>();
            for (JsonNode chain : head.get("chains")) {
                JsonNode seq = chain.path("seq");
                if (!seq.canConvertToExactIntegral() || !chain.path("chain_id").isTextual() || !chain.path("hash").isTextual()) {
                    throw new IllegalArgumentException("a chain of the signed ledger head lacks chain_id, seq or hash");
                }
                chains.add(new ChainHead(UUID.fromString(chain.get("chain_id").textValue()), seq.longValue(),
                        chain.get("hash").textValue()));
            }
            return new LedgerHead(Instant.parse(head.get("signed_at").textValue()), chains);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("the signed payload is not a ledger head (" + e.getClass().getSimpleName() + ")");
        }
    }
}
