package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.policy.TrustPolicy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The exchange record as a ledger document (version 1) and its query columns. Every key is always
 * present (null when absent) and every string is {@linkplain #sanitize sanitised}, so any record can be
 * stored in PostgreSQL and canonicalises the same way in every language.
 *
 * <p>{@code time} is the record's time truncated to microseconds: PostgreSQL's {@code timestamptz}
 * holds no more, and the {@code recorded_at} column must equal the document field.
 */
public final class LedgerDocument {
    public static final int VERSION = 1;
    /** Characters kept of a longer string; {@link #TRUNCATION_MARK} follows them. */
    public static final int MAX_TEXT_CHARS = 1024;
    public static final String TRUNCATION_MARK = "…";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String SEQ = "seq";

    private LedgerDocument() {
    }

    /** The v1 document of {@code record} as record {@code seq} of chain {@code chainId}. */
    public static ObjectNode document(ExchangeRecord record, UUID chainId, long seq) {
        ObjectNode document = NODES.objectNode();
        document.put("v", VERSION);
        document.put("chain_id", chainId.toString());
        document.put(SEQ, seq);
        document.put("time", time(record.time()));
        document.put("request_id", text(record.requestId()));
        document.put("trace_id", optionalText(record.traceId()));
        document.put("span_id", optionalText(record.spanId()));
        document.put("remote_address", text(record.remoteAddress()));
        document.put("user_agent", text(record.userAgent()));
        document.put("scope", text(record.scope()));
        document.put("identity", text(record.identity()));
        document.set("actor", actor(record.actor()));
        document.put("decision", record.decision().label());
        document.put("grpc_code", record.code().value());
        document.put("reason", text(record.reason()));
        document.put("message", text(record.message()));
        document.put("detail", optionalText(record.detail()));
        document.set("policy", policy(record.policy()));
        document.set("issuer_allowlist", allowlist(record.allowlist()));
        document.set("issued", issued(record.issued()));
        return document;
    }

    /**
     * Makes a string from a request or a token storable and printable: NUL and the other C0 controls
     * except tab, newline and carriage return, and lone UTF-16 surrogates, become the visible text
     * {@code \u0000} (backslash, u, four lowercase hex digits); then a result longer than
     * {@value #MAX_TEXT_CHARS} characters keeps its first {@value #MAX_TEXT_CHARS} (one fewer when that
     * would split a surrogate pair) followed by {@code …}. Null stays null.
     */
    public static String sanitize(String text) {
        if (text == null) {
            return null;
        }
        int first = firstUnsafe(text);
        if (first < 0 && text.length() <= MAX_TEXT_CHARS) {
            return text;
        }
        String escaped = first < 0 ? text : escape(text, first);
        if (escaped.length() <= MAX_TEXT_CHARS) {
            return escaped;
        }
        int end = Character.isHighSurrogate(escaped.charAt(MAX_TEXT_CHARS - 1)) ? MAX_TEXT_CHARS - 1 : MAX_TEXT_CHARS;
        return escaped.substring(0, end) + TRUNCATION_MARK;
    }

    /**
     * The document of {@code record} for chain {@code chainId}, canonicalised up to the sequence number,
     * with its query columns: the writer only splices in the seq and hashes.
     */
    static LedgerEntry entry(ExchangeRecord record, UUID chainId) {
        ObjectNode document = document(record, chainId, 0);
        StringBuilder head = new StringBuilder(1024).append('{');
        StringBuilder tail = null;
        boolean first = true;
        // RFC 8785 order: the keys are ASCII, so String order is UTF-16 code unit order.
        for (String name : sortedNames(document)) {
            StringBuilder out = tail == null ? head : tail;
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append('"').append(name).append("\":");
            if (name.equals(SEQ)) {
                tail = new StringBuilder(1024);
            } else {
                out.append(CanonicalJson.of(document.get(name)));
            }
        }
        tail.append('}');
        JsonNode actor = document.get("actor");
        JsonNode issued = document.get("issued");
        String headText = head.toString();
        String tailText = tail.toString();
        return new LedgerEntry(headText, tailText,
                headText.getBytes(StandardCharsets.UTF_8), tailText.getBytes(StandardCharsets.UTF_8),
                record.time().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC),
                document.get("request_id").textValue(), document.get("decision").textValue(),
                document.get("grpc_code").intValue(), document.get("reason").textValue(),
                document.get("scope").textValue(), document.get("identity").textValue(),
                actor.isNull() ? null : actor.get("iss").textValue(),
                actor.isNull() ? null : actor.get("sub").textValue(),
                issued.isNull() ? null : issued.get("token_sha256").textValue());
    }

    private static TreeSet<String> sortedNames(ObjectNode document) {
        TreeSet<String> names = new TreeSet<>();
        document.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String time(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS).toString();
    }

    private static JsonNode actor(ExchangeRecord.Actor actor) {
        if (actor == null) {
            return NODES.nullNode();
        }
        ObjectNode node = NODES.objectNode();
        node.put("iss", optionalText(actor.issuer()));
        node.put("sub", optionalText(actor.subject()));
        node.set("aud", strings(actor.audience()));
        node.put("jti", optionalText(actor.jwtId()));
        node.set("claims", strings(actor.claims()));
        return node;
    }

    private static JsonNode policy(ExchangeRecord.PolicySource policy) {
        if (policy == null) {
            return NODES.nullNode();
        }
        ObjectNode node = NODES.objectNode();
        node.put("owner", optionalText(policy.owner()));
        node.put("repo", optionalText(policy.repo()));
        node.put("path", optionalText(policy.path()));
        node.put("blob_sha", optionalText(policy.blobSha()));
        node.put("sha256", optionalText(policy.sha256()));
        node.set("parsed", parsed(policy.parsed()));
        return node;
    }

    private static JsonNode parsed(TrustPolicy parsed) {
        if (parsed == null) {
            return NODES.nullNode();
        }
        ObjectNode node = NODES.objectNode();
        node.put("issuer", optionalText(parsed.issuer()));
        node.put("issuer_pattern", optionalText(parsed.issuerPattern()));
        node.put("subject", optionalText(parsed.subject()));
        node.put("subject_pattern", optionalText(parsed.subjectPattern()));
        node.put("audience", optionalText(parsed.audience()));
        node.put("audience_pattern", optionalText(parsed.audiencePattern()));
        node.set("claim_pattern", strings(parsed.claimPattern()));
        node.set("permissions", strings(parsed.permissions()));
        node.set("repositories", strings(parsed.repositories()));
        return node;
    }

    private static JsonNode allowlist(ExchangeRecord.AllowlistVerdict verdict) {
        if (verdict == null) {
            return NODES.nullNode();
        }
        ObjectNode node = NODES.objectNode();
        node.put("mode", optionalText(verdict.mode()));
        node.put("allowed", verdict.allowed());
        node.put("iss", optionalText(verdict.issuer()));
        return node;
    }

    private static JsonNode issued(ExchangeRecord.Issued issued) {
        if (issued == null) {
            return NODES.nullNode();
        }
        ObjectNode node = NODES.objectNode();
        node.put("app_id", issued.appId());
        node.put("installation_id", issued.installationId());
        node.set("repositories", strings(issued.repositories()));
        node.set("permissions", strings(issued.permissions()));
        node.put("expires_at", issued.expiresAt() == null ? null : issued.expiresAt().toString());
        node.put("token_sha256", optionalText(issued.tokenSha256()));
        return node;
    }

    private static JsonNode strings(List<String> values) {
        if (values == null) {
            return NODES.nullNode();
        }
        ArrayNode array = NODES.arrayNode(values.size());
        values.forEach(value -> array.add(optionalText(value)));
        return array;
    }

    private static JsonNode strings(Map<String, String> values) {
        if (values == null) {
            return NODES.nullNode();
        }
        ObjectNode object = NODES.objectNode();
        values.forEach((key, value) -> object.put(text(key), optionalText(value)));
        return object;
    }

    /** A string the v1 document always holds: absent becomes "". */
    private static String text(String value) {
        return value == null ? "" : sanitize(value);
    }

    private static String optionalText(String value) {
        return sanitize(value);
    }

    /** Index of the first character {@link #sanitize} must escape, or -1. */
    private static int firstUnsafe(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 ? c != '\t' && c != '\n' && c != '\r' : Character.isSurrogate(c)) {
                if (c >= 0x20 && Character.isHighSurrogate(c) && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return i;
            }
        }
        return -1;
    }

    private static String escape(String text, int from) {
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, from);
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || Character.isSurrogate(c)) {
                out.append("\\u").append(HexFormat.of().toHexDigits((short) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
