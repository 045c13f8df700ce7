package dev.octosts.ledger;

import java.util.UUID;

/**
 * The last committed record of a chain: its sequence number and hash. An empty chain has seq 0 and the
 * hash {@link #EMPTY_HASH}, which is also the prev_hash of seq 1.
 */
public record ChainHead(UUID chainId, long seq, String hash) {
    public static final String EMPTY_HASH = "0".repeat(64);

    public static ChainHead empty(UUID chainId) {
        return new ChainHead(chainId, 0, EMPTY_HASH);
    }
}
