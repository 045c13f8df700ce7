package dev.octosts.ledger;

import dev.octosts.ledger.CanonicalScan.Value;
import dev.octosts.ledger.VerificationReport.Problem;
import dev.octosts.ledger.VerificationReport.Problem.Kind;
import dev.octosts.ledger.schema.tables.records.LedgerRecordRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The checks of {@link ChainWalk} that need one record only: its hash over its own text, and that text
 * as a canonical version 1 ledger document for its chain and seq whose query columns copy its fields.
 */
final class RecordCheck {
    /** PostgreSQL keeps microseconds; a nanosecond document time is rounded in the column. */
    private static final Duration TIME_PRECISION = Duration.ofNanos(1000);
    private static final List<String> V1_KEYS = List.of("v", "chain_id", "seq", "time", "request_id", "trace_id",
            "span_id", "remote_address", "user_agent", "scope", "identity", "actor", "decision", "grpc_code", "reason",
            "message", "detail", "policy", "issuer_allowlist", "issued");

    private RecordCheck() {
    }

    /** The record's prev_hash and hash are well formed and its hash is that of prev_hash and its text. */
    static Optional<Problem> ownHash(UUID chainId, LedgerRecordRecord record) {
        long seq = record.getSeq();
        if (!hexSha256(record.getPrevHash()) || !hexSha256(record.getHash())) {
            return problem(chainId, seq, Kind.CHANGED, "prev_hash or hash is not 64 lowercase hex digits");
        }
        if (!LedgerVerifier.chainHash(record.getPrevHash(), record.getCanonical()).equals(record.getHash())) {
            return problem(chainId, seq, Kind.CHANGED,
                    "the stored hash is not the SHA-256 of prev_hash and the record's text");
        }
        return Optional.empty();
    }

    /** 64 lowercase hex digits; a loop, as a pattern match cost a tenth of a verify's time. */
    private static boolean hexSha256(String value) {
        if (value.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** The record's text is a canonical version 1 document written to this place, and its columns copy it. */
    static Optional<Problem> document(UUID chainId, LedgerRecordRecord record) {
        long seq = record.getSeq();
        CanonicalScan.Result document = CanonicalScan.of(record.getCanonical());
        if (!document.json()) {
            return problem(chainId, seq, Kind.NOT_CANONICAL, "the record's text is not valid JSON");
        }
        if (!document.canonical()) {
            return problem(chainId, seq, Kind.NOT_CANONICAL, "the record's text is not RFC 8785 canonical JSON");
        }
        Value version = document.member("v");
        if (!document.object() || version == null || !version.isIntegral() || !version.text().equals("1")) {
            return problem(chainId, seq, Kind.CHANGED, "the record is not a version 1 ledger document");
        }
        for (String key : V1_KEYS) {
            if (document.member(key) == null) {
                return problem(chainId, seq, Kind.CHANGED, "the record lacks the key \"" + key + "\"");
            }
        }
        String writtenChain = document.member("chain_id").textOrNull();
        if (!chainId.toString().equals(writtenChain)) {
            return problem(chainId, seq, Kind.REORDERED, "the record was written to chain " + writtenChain);
        }
        Value writtenSeq = document.member("seq");
        if (!writtenSeq.isIntegral() || !writtenSeq.text().equals(Long.toString(seq))) {
            return problem(chainId, seq, Kind.REORDERED, "the record was written as seq " + writtenSeq.text());
        }
        String column = differingColumn(record, document);
        return column == null ? Optional.empty()
                : problem(chainId, seq, Kind.CHANGED, "the column " + column + " does not match the record");
    }

    /** The first query column that is not a copy of its document field, or null. */
    private static String differingColumn(LedgerRecordRecord record, CanonicalScan.Result document) {
        if (!sameTime(record, document.member("time"))) {
            return "recorded_at";
        }
        Value grpcCode = document.member("grpc_code");
        if (!grpcCode.isIntegral() || !grpcCode.text().equals(Integer.toString(record.getGrpcCode()))) {
            return "grpc_code";
        }
        record Copy(String column, String stored, String path) {
        }
        List<Copy> copies = List.of(
                new Copy("request_id", record.getRequestId(), "request_id"),
                new Copy("decision", record.getDecision(), "decision"),
                new Copy("reason", record.getReason(), "reason"),
                new Copy("scope", record.getScope(), "scope"),
                new Copy("identity", record.getIdentity(), "identity"),
                new Copy("issuer", record.getIssuer(), "actor.iss"),
                new Copy("subject", record.getSubject(), "actor.sub"),
                new Copy("token_sha256", record.getTokenSha256(), tokenSha256Path(document)));
        for (Copy copy : copies) {
            // A long field is in its column bounded; records written before the bound hold it whole.
            Value value = document.member(copy.path());
            String field = value == null ? null : value.textOrNull();
            if (!Objects.equals(copy.stored(), field) && !Objects.equals(copy.stored(), LedgerText.column(field))) {
                return copy.column();
            }
        }
        return null;
    }

    private static boolean sameTime(LedgerRecordRecord record, Value time) {
        if (!time.isString()) {
            return false;
        }
        try {
            Instant written = Instant.parse(time.text());
            return Duration.between(written, record.getRecordedAt().toInstant()).abs().compareTo(TIME_PRECISION) < 0;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** The token_sha256 field the column copies: the issued token's, else a revocation's (absent before V7). */
    private static String tokenSha256Path(CanonicalScan.Result document) {
        Value issued = document.member("issued.token_sha256");
        return issued == null || issued.textOrNull() == null ? "revocation.token_sha256" : "issued.token_sha256";
    }

    private static Optional<Problem> problem(UUID chainId, long seq, Kind kind, String detail) {
        return Optional.of(new Problem(chainId, seq, kind, detail));
    }
}
