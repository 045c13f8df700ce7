package dev.octosts.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
import java.util.regex.Pattern;

/**
 * The checks of {@link ChainWalk} that need one record only: its hash over its own text, and that text
 * as a canonical version 1 ledger document for its chain and seq whose query columns copy its fields.
 */
final class RecordCheck {
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** PostgreSQL keeps microseconds; a nanosecond document time is rounded in the column. */
    private static final Duration TIME_PRECISION = Duration.ofNanos(1000);
    private static final List<String> V1_KEYS = List.of("v", "chain_id", "seq", "time", "request_id", "trace_id",
            "span_id", "remote_address", "user_agent", "scope", "identity", "actor", "decision", "grpc_code", "reason",
            "message", "detail", "policy", "issuer_allowlist", "issued");
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private RecordCheck() {
    }

    /** The record's prev_hash and hash are well formed and its hash is that of prev_hash and its text. */
    static Optional<Problem> ownHash(UUID chainId, LedgerRecordRecord record) {
        long seq = record.getSeq();
        if (!HEX_SHA256.matcher(record.getPrevHash()).matches() || !HEX_SHA256.matcher(record.getHash()).matches()) {
            return problem(chainId, seq, Kind.CHANGED, "prev_hash or hash is not 64 lowercase hex digits");
        }
        if (!LedgerVerifier.chainHash(record.getPrevHash(), record.getCanonical()).equals(record.getHash())) {
            return problem(chainId, seq, Kind.CHANGED,
                    "the stored hash is not the SHA-256 of prev_hash and the record's text");
        }
        return Optional.empty();
    }

    /** The record's text is a canonical version 1 document written to this place, and its columns copy it. */
    static Optional<Problem> document(UUID chainId, LedgerRecordRecord record) {
        long seq = record.getSeq();
        JsonNode document;
        try {
            document = JSON.readTree(record.getCanonical());
        } catch (JsonProcessingException e) {
            return problem(chainId, seq, Kind.NOT_CANONICAL, "the record's text is not valid JSON");
        }
        if (!canonical(document).equals(record.getCanonical())) {
            return problem(chainId, seq, Kind.NOT_CANONICAL, "the record's text is not RFC 8785 canonical JSON");
        }
        if (!document.isObject() || !document.path("v").isIntegralNumber() || document.get("v").longValue() != 1) {
            return problem(chainId, seq, Kind.CHANGED, "the record is not a version 1 ledger document");
        }
        for (String key : V1_KEYS) {
            if (!document.has(key)) {
                return problem(chainId, seq, Kind.CHANGED, "the record lacks the key \"" + key + "\"");
            }
        }
        if (!chainId.toString().equals(text(document.get("chain_id")))) {
            return problem(chainId, seq, Kind.REORDERED,
                    "the record was written to chain " + text(document.get("chain_id")));
        }
        JsonNode writtenSeq = document.get("seq");
        if (!writtenSeq.isIntegralNumber() || writtenSeq.longValue() != seq) {
            return problem(chainId, seq, Kind.REORDERED, "the record was written as seq " + writtenSeq);
        }
        String column = differingColumn(record, document);
        return column == null ? Optional.empty()
                : problem(chainId, seq, Kind.CHANGED, "the column " + column + " does not match the record");
    }

    /** The first query column that is not a copy of its document field, or null. */
    private static String differingColumn(LedgerRecordRecord record, JsonNode document) {
        if (!sameTime(record, document.get("time"))) {
            return "recorded_at";
        }
        JsonNode grpcCode = document.get("grpc_code");
        if (!grpcCode.isIntegralNumber() || grpcCode.longValue() != record.getGrpcCode()) {
            return "grpc_code";
        }
        record Copy(String column, String stored, JsonNode field) {
        }
        List<Copy> copies = List.of(
                new Copy("request_id", record.getRequestId(), document.get("request_id")),
                new Copy("decision", record.getDecision(), document.get("decision")),
                new Copy("reason", record.getReason(), document.get("reason")),
                new Copy("scope", record.getScope(), document.get("scope")),
                new Copy("identity", record.getIdentity(), document.get("identity")),
                new Copy("issuer", record.getIssuer(), document.get("actor").path("iss")),
                new Copy("subject", record.getSubject(), document.get("actor").path("sub")),
                new Copy("token_sha256", record.getTokenSha256(), tokenSha256(document)));
        for (Copy copy : copies) {
            // A long field is in its column bounded; records written before the bound hold it whole.
            String field = text(copy.field());
            if (!Objects.equals(copy.stored(), field) && !Objects.equals(copy.stored(), LedgerText.column(field))) {
                return copy.column();
            }
        }
        return null;
    }

    private static boolean sameTime(LedgerRecordRecord record, JsonNode time) {
        if (!time.isTextual()) {
            return false;
        }
        try {
            Instant written = Instant.parse(time.textValue());
            return Duration.between(written, record.getRecordedAt().toInstant()).abs().compareTo(TIME_PRECISION) < 0;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static String canonical(JsonNode document) {
        try {
            return CanonicalJson.of(document);
        } catch (IllegalArgumentException e) {
            // A fractional number: never written by the ledger, so never canonical.
            return "";
        }
    }

    /** The token_sha256 field the column copies: the issued token's, else a revocation's (absent before V7). */
    private static JsonNode tokenSha256(JsonNode document) {
        JsonNode issued = document.get("issued").path("token_sha256");
        return issued.isMissingNode() || issued.isNull() ? document.path("revocation").path("token_sha256") : issued;
    }

    /** A JSON string's value, null for JSON null or an absent field, the JSON text of anything else. */
    private static String text(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        return node.isTextual() ? node.textValue() : node.toString();
    }

    private static Optional<Problem> problem(UUID chainId, long seq, Kind kind, String detail) {
        return Optional.of(new Problem(chainId, seq, kind, detail));
    }
}
