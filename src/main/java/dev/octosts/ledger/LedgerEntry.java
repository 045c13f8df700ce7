package dev.octosts.ledger;

import java.time.OffsetDateTime;

/**
 * One record ready for the writer, prepared on the appending thread: its canonical document split
 * around the sequence number (which only the writer knows), in text and UTF-8, and its query columns.
 * The canonical form of record seq is {@code canonicalHead + seq + canonicalTail}.
 */
record LedgerEntry(String canonicalHead, String canonicalTail, byte[] headUtf8, byte[] tailUtf8,
                   OffsetDateTime recordedAt, String requestId, String decision, int grpcCode, String reason,
                   String scope, String identity, String issuer, String subject, String tokenSha256) {

    String canonical(long seq) {
        return canonicalHead + seq + canonicalTail;
    }
}
