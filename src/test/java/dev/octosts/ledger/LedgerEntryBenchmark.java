package dev.octosts.ledger;

import dev.octosts.exchange.ExchangeRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * One ledger record made ready and chained: {@link LedgerDocument#entry} (the v1 document, canonicalised
 * around its sequence number, with its query columns — the appending thread's share) then the writer's
 * SHA-256 over the previous hash, head, seq and tail. The record is an allowed exchange with an issued token.
 */
@State(Scope.Thread)
public class LedgerEntryBenchmark {
    private static final UUID CHAIN = UUID.fromString("5b0e4d0c-3f6e-4c2a-9d1e-7a8b9c0d1e2f");

    private ExchangeRecord record;
    private MessageDigest sha256;
    private byte[] previousHash;
    private long seq;

    @Setup(Level.Trial)
    public void prepare() throws NoSuchAlgorithmException {
        record = LedgerDocumentTest.richRecord();
        sha256 = MessageDigest.getInstance("SHA-256");
        previousHash = sha256.digest("previous".getBytes(StandardCharsets.UTF_8));
        seq = 1_000_000;
        // The hash below mirrors Ledger's writer; the verifier's independent definition must agree with it.
        LedgerEntry entry = LedgerDocument.entry(record, CHAIN);
        String expected = LedgerVerifier.chainHash(HexFormat.of().formatHex(previousHash), entry.canonical(seq));
        if (!HexFormat.of().formatHex(chain(entry)).equals(expected)) {
            throw new IllegalStateException("the benchmark's chain hash differs from the ledger verifier's");
        }
    }

    @Benchmark
    public byte[] entryAndHash() {
        return chain(LedgerDocument.entry(record, CHAIN));
    }

    /** As {@code ChainInserter.hash}: SHA-256 of the previous hash's bytes, then the canonical document's UTF-8. */
    private byte[] chain(LedgerEntry entry) {
        sha256.update(previousHash);
        sha256.update(entry.headUtf8());
        sha256.update(Long.toString(seq).getBytes(StandardCharsets.US_ASCII));
        sha256.update(entry.tailUtf8());
        return sha256.digest();
    }
}
