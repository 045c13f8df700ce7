package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.policy.TrustPolicy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The exchange record as a ledger document (version 1) and its query columns. Every key is always
 * present (null when absent) and every string is {@linkplain #sanitize sanitised}, so any record can be
 * stored in PostgreSQL and canonicalises the same way in every language.
 *
 * <p>{@code time} is the record's time truncated to microseconds: PostgreSQL's {@code timestamptz}
 * holds no more, and the {@code recorded_at} column must equal the document field.
 *
 * <p>A query column holds its document field {@linkplain #column bounded in bytes}: a B-tree index row
 * over about 2,700 bytes is refused by PostgreSQL, and an outsider chooses most of these fields.
 */
public final class LedgerDocument {
    public static final int VERSION = 1;
    /** Characters kept of a longer string; {@link #TRUNCATION_MARK} follows them. */
    public static final int MAX_TEXT_CHARS = 1024;
    public static final String TRUNCATION_MARK = "…";
    /** UTF-8 bytes a query column holds at most: well inside PostgreSQL's B-tree row limit of about 2,700. */
    public static final int MAX_COLUMN_BYTES = 1024;
    /** The reason of a record stored {@linkplain #reduced reduced} because the database refused it as written. */
    public static final String REDUCED_REASON = "record_reduced";
    /** Written before the SHA-256 of a column value that did not fit, and before each hashed text of a reduced record. */
    public static final String SHA256_MARK = "sha256:";

    private static final int COLUMN_PREFIX_BYTES = 256;
    private static final String COLUMN_HASH_MARK = TRUNCATION_MARK + SHA256_MARK;
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** Text a reduced record keeps where the record's own code or GitHub wrote it. */
    private static final Pattern PLAIN = Pattern.compile("[0-9A-Za-z._:+-]{1,100}");
    /** Fields of a reduced record kept as they are, and (with {@code *} for any key or item) kept when plain. */
    private static final Set<String> REDUCED_KEPT = Set.of("/v", "/chain_id", "/seq", "/time", "/decision", "/grpc_code",
            "/issued/app_id", "/issued/installation_id", "/issuer_allowlist/allowed");
    private static final Set<String> REDUCED_KEPT_WHEN_PLAIN = Set.of("/request_id", "/remote_address", "/trace_id",
            "/span_id", "/policy/blob_sha", "/policy/sha256", "/issuer_allowlist/mode", "/issued/repositories/*",
            "/issued/permissions/*", "/issued/expires_at", "/issued/token_sha256");
    /** Objects of the document's own shape, whose keys are the document's; other objects' keys are text. */
    private static final Set<String> FIXED_SHAPE = Set.of("", "/actor", "/policy", "/policy/parsed", "/issued",
            "/issuer_allowlist");

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
        String escaped = first < 0 ? text : escape(text, first, MAX_TEXT_CHARS + 1);
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
        return entry(document(record, chainId, 0), record.time());
    }

    /**
     * The {@linkplain #reduced reduced} document of {@code record}, for when the database refused the
     * full one ({@code refusal} says how, e.g. {@code SQLState 54000}).
     */
    static LedgerEntry reducedEntry(ExchangeRecord record, UUID chainId, String refusal) {
        return entry(reduced(document(record, chainId, 0), refusal), record.time());
    }

    private static LedgerEntry entry(ObjectNode document, Instant time) {
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
                time.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC),
                column(document.get("request_id").textValue()), document.get("decision").textValue(),
                document.get("grpc_code").intValue(), column(document.get("reason").textValue()),
                column(document.get("scope").textValue()), column(document.get("identity").textValue()),
                column(actor.path("iss").textValue()), column(actor.path("sub").textValue()),
                column(issued.path("token_sha256").textValue()));
    }

    /**
     * The query column form of a document field: the field itself when it is at most
     * {@value #MAX_COLUMN_BYTES} bytes of UTF-8; else its first 256 bytes or fewer (whole characters),
     * {@code …sha256:} and the lowercase hex SHA-256 of its UTF-8. A field that itself ends like that
     * form is hashed too, so two different fields never share a column value. Null stays null.
     */
    public static String column(String field) {
        if (field == null) {
            return null;
        }
        boolean fits = field.length() * 3 <= MAX_COLUMN_BYTES || utf8Length(field) <= MAX_COLUMN_BYTES;
        if (fits && !looksHashed(field)) {
            return field;
        }
        return prefix(field, COLUMN_PREFIX_BYTES) + COLUMN_HASH_MARK + sha256Hex(field);
    }

    /** How a reduced record holds a text: {@code sha256:} and the lowercase hex SHA-256 of its UTF-8. */
    public static String hashed(String text) {
        return SHA256_MARK + sha256Hex(text);
    }

    /**
     * The document as stored when the database refused it as written: the same keys and shapes, with
     * the decision, gRPC code, time, request id, client address, trace, issued token's hash and
     * GitHub's answer kept where they are plain text; every other string (and every map key that is
     * not plain) replaced by its {@linkplain #hashed SHA-256}. The reason becomes
     * {@value #REDUCED_REASON}; the detail names the original reason and the refusal. Its strings are
     * all short ASCII, so the database has nothing left to refuse but the record's existence.
     */
    static ObjectNode reduced(ObjectNode document, String refusal) {
        ObjectNode reduced = (ObjectNode) reduce("", document);
        String reason = document.path("reason").asText("");
        reduced.put("reason", REDUCED_REASON);
        reduced.put("detail", "the database refused the record as written (" + refusal + "); its reason was "
                + (PLAIN.matcher(reason).matches() ? reason : hashed(reason))
                + "; every other text from the request or the token is kept as its SHA-256");
        return reduced;
    }

    private static JsonNode reduce(String path, JsonNode node) {
        if (REDUCED_KEPT.contains(path)) {
            return node;
        }
        if (node.isTextual()) {
            String text = node.textValue();
            return REDUCED_KEPT_WHEN_PLAIN.contains(path) && PLAIN.matcher(text).matches() ? node : NODES.textNode(hashed(text));
        }
        if (node.isArray()) {
            ArrayNode array = NODES.arrayNode(node.size());
            node.forEach(item -> array.add(reduce(path + "/*", item)));
            return array;
        }
        if (node.isObject()) {
            ObjectNode object = NODES.objectNode();
            boolean fixedShape = FIXED_SHAPE.contains(path);
            boolean plainKeys = REDUCED_KEPT_WHEN_PLAIN.contains(path + "/*");
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                String key = member.getKey();
                String kept = fixedShape || (plainKeys && PLAIN.matcher(key).matches()) ? key : hashed(key);
                object.set(kept, reduce(fixedShape ? path + "/" + key : path + "/*", member.getValue()));
            }
            return object;
        }
        return node;
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

    /** Whether {@code text} ends like the {@link #column} form of a longer text. */
    private static boolean looksHashed(String text) {
        int hex = text.length() - 64;
        return hex >= COLUMN_HASH_MARK.length() && text.startsWith(COLUMN_HASH_MARK, hex - COLUMN_HASH_MARK.length())
                && HEX_SHA256.matcher(text).region(hex, text.length()).matches();
    }

    private static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** The longest prefix of whole code points whose UTF-8 is at most {@code maxBytes}. */
    private static String prefix(String text, int maxBytes) {
        int bytes = 0;
        int end = 0;
        while (end < text.length()) {
            int codePoint = text.codePointAt(end);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end += Character.charCount(codePoint);
        }
        return text.substring(0, end);
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
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

    /** The escaped text, or its first {@code limit} characters or more when it is longer. */
    private static String escape(String text, int from, int limit) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), limit) + 16).append(text, 0, Math.min(from, limit));
        for (int i = from; i < text.length() && out.length() < limit; i++) {
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
