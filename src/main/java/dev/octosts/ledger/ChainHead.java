package dev.octosts.ledger;

import java.util.UUID;

/**
 * The last durable record of one chain: its sequence number and hash ({@code seq} 0 and 64 zeros for a
 * chain without records).
 */
public record ChainHead(UUID chainId, long seq, String hash) {
}
