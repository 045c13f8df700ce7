package dev.octosts.ledger;

import dev.octosts.exchange.ExchangeRecord;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.LongFunction;

/**
 * Loads one chain with {@code COPY ... FROM STDIN}: each record is prepared by the ledger's own
 * {@link LedgerDocument#entry} and chained with the writer's hash, so the loaded chain verifies as if the
 * service had written it; a signed checkpoint is stored every {@code checkpointEvery} records, as a
 * {@link Checkpointer} would. For benchmarks that need a large ledger quickly.
 */
public final class BulkLedgerLoad {
    private static final HexFormat HEX = HexFormat.of();
    private static final String COPY = "COPY ledger_record (chain_id, seq, prev_hash, hash, recorded_at, request_id, decision,"
            + " grpc_code, reason, scope, identity, issuer, subject, token_sha256, canonical) FROM STDIN";
    private static final int FLUSH_BYTES = 4 << 20;

    private BulkLedgerLoad() {
    }

    /**
     * Appends {@code count} records made by {@code records} (given 1..count) to a new chain, with checkpoints.
     *
     * @param owner a connection allowed to COPY into ledger_record and insert checkpoints
     * @return the chain's head after the load
     */
    public static ChainHead loadChain(Connection owner, UUID chainId, long count, LongFunction<ExchangeRecord> records,
                                      CheckpointSigner signer, long checkpointEvery) throws SQLException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        owner.setAutoCommit(false);
        try (PreparedStatement chain = owner.prepareStatement(
                "INSERT INTO ledger_chain (chain_id, started_at, host, process_id) VALUES (?, ?, 'bulk-load', ?)")) {
            chain.setObject(1, chainId);
            chain.setTimestamp(2, Timestamp.from(records.apply(1).time()));
            chain.setLong(3, ProcessHandle.current().pid());
            chain.execute();
        }
        owner.commit();
        PreparedStatement checkpoint = owner.prepareStatement("INSERT INTO ledger_checkpoint"
                + " (chain_id, seq, hash, signed_at, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)");
        String prevHex = ChainHead.EMPTY_HASH;
        byte[] prev = HEX.parseHex(prevHex);
        CopyIn copy = owner.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY);
        StringBuilder rows = new StringBuilder(FLUSH_BYTES + 65536);
        try {
            for (long seq = 1; seq <= count; seq++) {
                ExchangeRecord record = records.apply(seq);
                LedgerEntry entry = LedgerDocument.entry(record, chainId);
                // The writer's hash (ChainInserter): SHA-256(prev hash bytes || canonical with seq spliced in).
                sha256.update(prev);
                sha256.update(entry.headUtf8());
                sha256.update(Long.toString(seq).getBytes(StandardCharsets.US_ASCII));
                sha256.update(entry.tailUtf8());
                byte[] hash = sha256.digest();
                String hashHex = HEX.formatHex(hash);
                rows.append(chainId).append('\t').append(seq).append('\t').append(prevHex).append('\t').append(hashHex)
                        .append('\t').append(entry.recordedAt().withOffsetSameInstant(ZoneOffset.UTC)).append('\t');
                field(rows, entry.requestId()).append('\t').append(entry.decision()).append('\t').append(entry.grpcCode()).append('\t');
                field(rows, entry.reason()).append('\t');
                field(rows, entry.scope()).append('\t');
                field(rows, entry.identity()).append('\t');
                field(rows, entry.issuer()).append('\t');
                field(rows, entry.subject()).append('\t');
                field(rows, entry.tokenSha256()).append('\t');
                field(rows, entry.canonical(seq)).append('\n');
                prev = hash;
                prevHex = hashHex;
                if (rows.length() >= FLUSH_BYTES) {
                    byte[] bytes = rows.toString().getBytes(StandardCharsets.UTF_8);
                    copy.writeToCopy(bytes, 0, bytes.length);
                    rows.setLength(0);
                }
                if (seq % checkpointEvery == 0 || seq == count) {
                    if (rows.length() > 0) {
                        byte[] bytes = rows.toString().getBytes(StandardCharsets.UTF_8);
                        copy.writeToCopy(bytes, 0, bytes.length);
                        rows.setLength(0);
                    }
                    copy.endCopy();
                    // Signed a moment after the record, as the checkpointer signs the committed head.
                    Instant signedAt = record.time().plusSeconds(1).truncatedTo(ChronoUnit.MICROS);
                    checkpoint.setObject(1, chainId);
                    checkpoint.setLong(2, seq);
                    checkpoint.setString(3, hashHex);
                    checkpoint.setObject(4, signedAt.atOffset(ZoneOffset.UTC));
                    checkpoint.setString(5, signer.keyId());
                    checkpoint.setString(6, signer.sign(chainId, seq, hashHex, signedAt));
                    checkpoint.execute();
                    owner.commit();
                    if (seq < count) {
                        copy = owner.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY);
                    }
                }
            }
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
            checkpoint.close();
        }
        return new ChainHead(chainId, count, prevHex);
    }

    /** COPY text format: NULL as \N; backslash, tab, newline and carriage return escaped. */
    private static StringBuilder field(StringBuilder out, String value) {
        if (value == null) {
            return out.append("\\N");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out;
    }
}
