package dev.octosts.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * What an archive of the ledger holds, as the ledger key signs it: {@code {"ledger_archive":{"before",
 * "created_at","chains":[…]}}} as canonical JSON, chains sorted by the text of their id. For each chain: the
 * first record's seq and prev_hash, the last record's seq and hash, the number of records, and the signed
 * checkpoints whose seq lies among them. The outer name keeps a manifest from ever parsing as a checkpoint
 * or a ledger head, which the same key signs.
 */
public record ArchiveManifest(Instant before, Instant createdAt, List<Chain> chains) {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    public ArchiveManifest {
        chains = chains.stream().sorted(Comparator.comparing(chain -> chain.chainId().toString())).toList();
    }

    /** One chain's archived records: seqs {@code firstSeq} to {@code lastSeq}, in the file {@link #fileName}. */
    public record Chain(UUID chainId, long firstSeq, String firstPrevHash, long lastSeq, String lastHash, long records,
                        List<Checkpoint> checkpoints) {
        public Chain {
            checkpoints = List.copyOf(checkpoints);
        }

        /** The chain's JSON Lines file in the archive directory. */
        public String fileName() {
            return fileName(chainId);
        }

        static String fileName(UUID chainId) {
            return "chain-" + chainId + ".jsonl";
        }
    }

    /** A stored checkpoint, exactly as in {@code ledger_checkpoint}. */
    public record Checkpoint(long seq, String hash, Instant signedAt, String keyId, String signature) {
    }

    String json() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode archive = root.putObject("ledger_archive");
        archive.put("before", before.toString());
        archive.put("created_at", createdAt.toString());
        ArrayNode list = archive.putArray("chains");
        for (Chain chain : chains) {
            ObjectNode node = list.addObject()
                    .put("chain_id", chain.chainId().toString())
                    .put("first_seq", chain.firstSeq()).put("first_prev_hash", chain.firstPrevHash())
                    .put("last_seq", chain.lastSeq()).put("last_hash", chain.lastHash())
                    .put("records", chain.records());
            ArrayNode checkpoints = node.putArray("checkpoints");
            for (Checkpoint checkpoint : chain.checkpoints()) {
                checkpoints.addObject().put("seq", checkpoint.seq()).put("hash", checkpoint.hash())
                        .put("signed_at", checkpoint.signedAt().toString()).put("key_id", checkpoint.keyId())
                        .put("signature", checkpoint.signature());
            }
        }
        return CanonicalJson.of(root);
    }

    /** @throws IllegalArgumentException when the text is not an archive manifest */
    static ArchiveManifest parse(String json) {
        try {
            JsonNode archive = JSON.readTree(json).path("ledger_archive");
            if (!archive.path("chains").isArray() || !archive.path("before").isTextual()
                    || !archive.path("created_at").isTextual()) {
                throw new IllegalArgumentException("the signed payload is not an archive manifest (no chains, before or created_at)");
            }
            List<Chain> chains = new ArrayList<>();
            for (JsonNode chain : archive.get("chains")) {
                List<Checkpoint> checkpoints = new ArrayList<>();
                for (JsonNode checkpoint : chain.path("checkpoints")) {
                    checkpoints.add(new Checkpoint(number(checkpoint, "seq"), text(checkpoint, "hash"),
                            Instant.parse(text(checkpoint, "signed_at")), text(checkpoint, "key_id"),
                            text(checkpoint, "signature")));
                }
                chains.add(new Chain(UUID.fromString(text(chain, "chain_id")), number(chain, "first_seq"),
                        text(chain, "first_prev_hash"), number(chain, "last_seq"), text(chain, "last_hash"),
                        number(chain, "records"), checkpoints));
            }
            return new ArchiveManifest(Instant.parse(archive.get("before").textValue()),
                    Instant.parse(archive.get("created_at").textValue()), chains);
        } catch (JsonProcessingException | DateTimeParseException e) {
            throw new IllegalArgumentException("the signed payload is not an archive manifest (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static long number(JsonNode node, String key) {
        JsonNode value = node.path(key);
        if (!value.canConvertToExactIntegral()) {
            throw new IllegalArgumentException("a chain of the archive manifest lacks the number " + key);
        }
        return value.longValue();
    }

    private static String text(JsonNode node, String key) {
        JsonNode value = node.path(key);
        if (!value.isTextual()) {
            throw new IllegalArgumentException("a chain of the archive manifest lacks the text " + key);
        }
        return value.textValue();
    }
}
